// Questions a shopper would type about a book they half remember, written from general knowledge
// of the books (their titles and authors), without reading the catalog's descriptions: the words
// are the shopper's, not the blurb's. Scored like relevance-set.ts (recall@k and MRR).
import type { RelevanceCase } from "./relevance-set.js";

export const paraphraseSet: RelevanceCase[] = [
  { query: "orphan boy in a workhouse who asks for more gruel", expected: ["oliver-twist"] },
  { query: "a miser visited by three ghosts on christmas eve", expected: ["a-christmas-carol"] },
  {
    query: "student murders an old pawnbroker and is tormented by guilt",
    expected: ["crime-and-punishment"],
  },
  {
    query: "russian aristocrat's affair ends with her throwing herself under a train",
    expected: ["anna-karenina"],
  },
  { query: "a salesman wakes up transformed into a giant insect", expected: ["the-metamorphosis"] },
  {
    query: "jazz age millionaire throws lavish parties hoping to win back his lost love",
    expected: ["the-great-gatsby"],
  },
  {
    query: "small town lawyer in alabama defends a black man falsely accused of rape",
    expected: ["to-kill-a-mockingbird"],
  },
  { query: "schoolboys stranded on an island turn savage", expected: ["lord-of-the-flies"] },
  { query: "firemen whose job is burning books", expected: ["fahrenheit-451"] },
  { query: "farm animals overthrow the farmer and the pigs take over", expected: ["animal-farm"] },
  { query: "a bomber pilot trapped by an absurd military rule", expected: ["catch-22"] },
  {
    query: "a soldier who comes unstuck in time and survives the firebombing of dresden",
    expected: ["slaughterhouse-five"],
  },
  { query: "a deluded old knight who attacks windmills", expected: ["don-quixote"] },
  {
    query: "greek hero's long voyage home after the trojan war",
    expected: ["the-odyssey"],
  },
  { query: "danish prince avenges his father's murder by his uncle", expected: ["hamlet"] },
  {
    query: "a painting grows old and ugly while the young man stays beautiful",
    expected: ["the-picture-of-dorian-gray"],
  },
  {
    query: "a boy and a runaway slave on a raft down the mississippi",
    expected: ["adventures-of-huckleberry-finn"],
  },
  {
    query: "a disfigured genius hiding beneath the paris opera house, obsessed with a young singer",
    expected: ["the-phantom-of-the-opera"],
  },
  {
    query: "women forced to bear children for the elite in a religious dictatorship",
    expected: ["the-handmaids-tale"],
  },
  {
    query: "cloned children raised at an english boarding school to donate their organs",
    expected: ["never-let-me-go"],
  },
  {
    query: "a father and his son walk through a burned america after the apocalypse",
    expected: ["the-road"],
  },
  { query: "a boy adrift on a lifeboat with a bengal tiger", expected: ["life-of-pi"] },
  {
    query: "narrated by death: a girl who steals books in nazi germany",
    expected: ["the-book-thief"],
  },
  {
    query: "a blind french girl and a german radio boy in the second world war",
    expected: ["all-the-light-we-cannot-see"],
  },
  {
    query: "a shepherd boy follows his dream to the egyptian pyramids",
    expected: ["the-alchemist"],
  },
  {
    query: "a franciscan friar investigates murders of monks in a medieval abbey",
    expected: ["the-name-of-the-rose"],
  },
  {
    query: "a bounty hunter hunting down rogue androids",
    expected: ["do-androids-dream-of-electric-sheep"],
  },
  {
    query: "alternate history where the axis powers won world war two",
    expected: ["the-man-in-the-high-castle"],
  },
  {
    query: "child genius trained in a military school in space to fight aliens",
    expected: ["enders-game"],
  },
  {
    query: "earth demolished for a hyperspace bypass, and the answer is 42",
    expected: ["the-hitchhikers-guide-to-the-galaxy"],
  },
  {
    query: "a mathematician predicts the fall of a galactic empire",
    expected: ["foundation"],
  },
  {
    query: "experimental surgery makes a mentally disabled man a genius, like the lab mouse before him",
    expected: ["flowers-for-algernon"],
  },
  {
    query: "ten strangers on an island are killed one by one",
    expected: ["and-then-there-were-none"],
  },
  {
    query: "an fbi trainee asks an imprisoned cannibal psychiatrist for help catching a serial killer",
    expected: ["the-silence-of-the-lambs"],
  },
  {
    query: "a wife vanishes on her anniversary and her husband becomes the suspect",
    expected: ["gone-girl"],
  },
  {
    query: "an author held captive by his obsessed number one fan",
    expected: ["misery"],
  },
  {
    query: "a soviet submarine captain tries to defect to america",
    expected: ["the-hunt-for-red-october"],
  },
  {
    query: "a professional assassin hired to kill the french president de gaulle",
    expected: ["the-day-of-the-jackal"],
  },
  {
    query: "a poor boy finds a golden ticket to visit a candy factory",
    expected: ["charlie-and-the-chocolate-factory"],
  },
  {
    query: "rabbits flee their warren to find a new home",
    expected: ["watership-down"],
  },
  {
    query: "the son of poseidon at a summer camp for demigods",
    expected: ["the-lightning-thief"],
  },
  {
    query: "why some civilisations conquered others: geography, farming and disease",
    expected: ["guns-germs-and-steel"],
  },
  {
    query: "cells taken without consent from a black woman that never died",
    expected: ["the-immortal-life-of-henrietta-lacks"],
  },
  {
    query: "cognitive biases and the two systems of the mind",
    expected: ["thinking-fast-and-slow"],
  },
  {
    query: "pesticides like ddt killing birds",
    expected: ["silent-spring"],
  },
  {
    query: "advice to a ruler: better to be feared than loved",
    expected: ["the-prince"],
  },
  {
    query: "living simply in a cabin beside a pond in the woods",
    expected: ["walden"],
  },
  {
    query: "raised by survivalists in idaho, never went to school, ended up at cambridge",
    expected: ["educated"],
  },
  {
    query: "a young man who gave away his savings and died alone in the alaskan wilderness",
    expected: ["into-the-wild"],
  },
  {
    query: "the deadly 1996 climbing season on everest",
    expected: ["into-thin-air"],
  },
  {
    query: "a neurosurgeon facing terminal cancer asks what makes life worth living",
    expected: ["when-breath-becomes-air"],
  },
  {
    query: "why adding programmers to a late software project makes it later",
    expected: ["the-mythical-man-month"],
  },
  {
    query: "the gang of four catalogue of reusable object-oriented solutions",
    expected: ["design-patterns"],
  },
  {
    query: "a novel about an it manager rescuing a failing project with devops",
    expected: ["the-phoenix-project"],
  },
  {
    query: "a sailor who shoots an albatross and brings a curse on his ship",
    expected: ["the-rime-of-the-ancient-mariner"],
  },
  {
    query: "satan rebels against god and adam and eve are expelled from eden",
    expected: ["paradise-lost"],
  },
  {
    query: "a nurse from 1945 falls through time into eighteenth-century scotland",
    expected: ["outlander"],
  },
  {
    query: "two english magicians bring magic back during the napoleonic wars",
    expected: ["jonathan-strange-and-mr-norrell"],
  },
];
