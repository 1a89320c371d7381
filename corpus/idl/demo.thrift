/**
 * The IDL of `thriftjit demo`: a small inventory service with a struct, a list, a
 * map, an enum, an exception and a oneway method. The runtime loads it at startup;
 * nothing is generated from it.
 */
namespace rs demo

enum Mood {
  HAPPY = 1,
  CALM = 2,
  GRUMPY = 3,
}

/** One thing in the inventory. */
struct Item {
  1: required i64 id,
  2: string name,
  3: list<string> tags,
  4: map<string, i32> stock,
  5: optional Mood mood = Mood.CALM,
  6: double price = 0.0,
}

exception NotFound {
  1: i64 id,
  2: string message,
}

service Inventory {
  /** Stores an item and returns it as stored. */
  Item put(1: Item item),

  /** The item with this id. */
  Item get(1: i64 id) throws (1: NotFound missing),

  /** Items whose name starts with `prefix`, at most `limit` of them. */
  list<Item> search(1: string prefix, 2: i32 limit),

  /** How many times each word occurs. */
  map<string, i32> tally(1: list<string> words),

  /** Forgets an item; nobody waits for it. */
  oneway void forget(1: i64 id),

  void ping(),
}
