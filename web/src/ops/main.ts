document.title = "Operations · Bookstore";
