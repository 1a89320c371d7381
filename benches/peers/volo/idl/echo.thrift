// The echo service of thriftjit's RPC benchmarks (the IDL of the research in
// anchors-rust.md). Two payloads, binary protocol sizes of the struct alone:
//   small: message of 16 bytes, 4 numbers, 2 tags     ->    120 bytes
//   large: message of 4 KiB, 1000 numbers, 100 tags  -> 10,732 bytes
// Each tag is an 8-byte key ("key-0000") and a 10-byte value ("value-0000"),
// 26 bytes on the wire with their length prefixes.

namespace rs echo

struct Request {
  1: string message,
  2: i64 id,
  3: list<i32> numbers,
  4: map<string, string> tags
}

struct Response {
  1: string message,
  2: i64 id,
  3: list<i32> numbers,
  4: map<string, string> tags
}

service EchoService {
  Response echo(1: Request req)
}
