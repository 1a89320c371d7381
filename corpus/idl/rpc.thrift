// Types of the JSON payloads of `thriftjit bench` (corpus/payloads/README.md):
// shapes common in RPC traffic, a scalar-heavy record and an order with
// strings, lists and structs.

struct Metrics {
  1: i64 timestamp
  2: i32 host_id
  3: i32 pid
  4: double cpu
  5: double mem
  6: i64 rx_bytes
  7: i64 tx_bytes
  8: i32 conns
  9: bool healthy
  10: i16 region
  11: i64 uptime_ms
  12: double load1
  13: i32 errors
  14: i32 warnings
  15: bool draining
  16: i8 tier
}

struct Item {
  1: i64 sku
  2: string name
  3: i32 quantity
  4: double price
  5: optional string note
}

struct Order {
  1: required i64 id
  2: string customer
  3: list<Item> items
  4: list<i64> coupon_ids
  5: set<string> tags
  6: double total
  7: bool paid
  8: optional Metrics metrics
}
