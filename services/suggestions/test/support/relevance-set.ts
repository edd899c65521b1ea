// Natural-language queries with the books a person would expect among the first results, written
// by hand against data/catalog.json. recall@k of a query = |expected ∩ top k| / min(|expected|, k).

export interface RelevanceCase {
  query: string;
  expected: string[];
}

export const relevanceSet: RelevanceCase[] = [
  {
    query: "a boy wizard at a school of magic",
    expected: [
      "harry-potter-and-the-philosophers-stone",
      "harry-potter-and-the-chamber-of-secrets",
      "harry-potter-and-the-prisoner-of-azkaban",
      "a-wizard-of-earthsea",
    ],
  },
  {
    query: "a detective solving crimes in Victorian London",
    expected: [
      "the-adventures-of-sherlock-holmes",
      "a-study-in-scarlet",
      "the-hound-of-the-baskervilles",
      "the-sign-of-the-four",
    ],
  },
  { query: "a desert planet with giant sandworms and spice", expected: ["dune"] },
  { query: "hobbits on a quest to destroy a ring", expected: ["the-lord-of-the-rings", "the-hobbit"] },
  { query: "a totalitarian state that watches everyone", expected: ["1984", "brave-new-world", "we"] },
  {
    query: "italian cooking recipes",
    expected: ["essentials-of-classic-italian-cooking"],
  },
  {
    query: "writing clean maintainable code",
    expected: ["clean-code", "refactoring", "the-pragmatic-programmer", "code-complete"],
  },
  { query: "a vampire count in transylvania", expected: ["dracula", "interview-with-the-vampire"] },
  { query: "a whale hunt at sea", expected: ["moby-dick"] },
  {
    query: "stoic philosophy for everyday life",
    expected: ["meditations"],
  },
  { query: "an astronaut stranded alone on mars", expected: ["the-martian", "red-mars"] },
  {
    query: "how to build good habits",
    expected: ["atomic-habits", "the-power-of-habit", "the-7-habits-of-highly-effective-people"],
  },
  {
    query: "the history of the roman empire",
    expected: ["spqr-a-history-of-ancient-rome", "the-history-of-the-decline-and-fall-of-the-roman-empire"],
  },
  {
    query: "a scientist who creates a monster",
    expected: ["frankenstein", "strange-case-of-dr-jekyll-and-mr-hyde"],
  },
  { query: "evolution and natural selection", expected: ["on-the-origin-of-species", "the-selfish-gene"] },
  {
    query: "a girl falls down a rabbit hole into a strange world",
    expected: ["alices-adventures-in-wonderland"],
  },
  { query: "teenagers forced to fight to the death on television", expected: ["the-hunger-games"] },
  {
    query: "starting a tech company",
    expected: ["the-lean-startup", "zero-to-one", "the-hard-thing-about-hard-things"],
  },
  { query: "murder mystery on a train", expected: ["murder-on-the-orient-express", "the-girl-on-the-train"] },
  { query: "a haunted hotel in the mountains in winter", expected: ["the-shining"] },
  { query: "pirates and buried treasure", expected: ["treasure-island"] },
  {
    query: "a cold war spy thriller",
    expected: ["the-spy-who-came-in-from-the-cold", "tinker-tailor-soldier-spy"],
  },
  { query: "investing in the stock market", expected: ["the-intelligent-investor", "rich-dad-poor-dad"] },
  {
    query: "the origin of the universe and black holes",
    expected: ["a-brief-history-of-time", "cosmos", "the-elegant-universe"],
  },
  { query: "a pig and a spider who become friends on a farm", expected: ["charlottes-web"] },
  { query: "dinosaurs brought back to life in a theme park", expected: ["jurassic-park"] },
  { query: "the holocaust seen through a young girl's diary", expected: ["the-diary-of-a-young-girl"] },
  {
    query: "designing large distributed data systems",
    expected: ["designing-data-intensive-applications", "site-reliability-engineering"],
  },
  {
    query: "a marriage plot in regency england",
    expected: ["pride-and-prejudice", "emma", "sense-and-sensibility", "persuasion"],
  },
  { query: "robots and the laws of robotics", expected: ["i-robot", "do-androids-dream-of-electric-sheep"] },
  { query: "a shipwrecked sailor alone on an island", expected: ["robinson-crusoe", "life-of-pi"] },
  { query: "learn the python programming language", expected: ["learning-python"] },
  { query: "revenge of a wrongly imprisoned man", expected: ["the-count-of-monte-cristo"] },
  {
    query: "poems about nature and death",
    expected: ["the-complete-poems-of-emily-dickinson", "leaves-of-grass"],
  },
  { query: "the science of sleep and dreams", expected: ["why-we-sleep"] },
  { query: "a clown that terrorises children in a small town", expected: ["it"] },
];
