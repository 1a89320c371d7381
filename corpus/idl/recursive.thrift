// Recursive and mutually recursive types: a struct-typed field is a pointer in
// the layout, so a type may contain itself, directly or through containers.
namespace * thriftjit.corpus.recursive

/** A singly linked list. */
struct Node {
  1: i32 value
  2: optional Node & next
}

/** A tree whose children are a list of itself. */
struct Tree {
  1: string label
  2: list<Tree> children
  3: map<string, Tree> by_name
}

/** Two types that refer to each other. */
struct Ping {
  1: i32 hops
  2: optional Pong pong
}

struct Pong {
  1: i32 hops
  2: optional Ping ping
}

/** A JSON-like value: a union that contains itself through containers. */
union Json {
  1: bool boolean
  2: double number
  3: string text
  4: list<Json> array
  5: map<string, Json> object
}

/** An exception carrying the exception that caused it. */
exception Failure {
  1: string message
  2: optional Failure cause
}

typedef list<Tree> Forest

/** A struct whose default value is a constant of its own type. */
struct Config {
  1: string name = "root"
  2: optional Config fallback = {"name": "fallback"}
}

const Tree LEAF = {"label": "leaf", "children": []}
const Tree SMALL_TREE = {"label": "root", "children": [LEAF, {"label": "other", "children": []}]}
const Json DOC = {"object": {"list": {"array": [{"number": 1.5}, {"text": "x"}]}}}

service Trees {
  Tree grow(1: Tree seed, 2: i32 depth) throws (1: Failure failure)
  Forest plant(1: list<Node> seeds)
  Pong ping(1: Ping ping)
  Json echo(1: Json value)
}
