// The echo service of the RPC benchmark (`scripts/bench-rpc`, `thriftjit bench-rpc`):
// the same IDL as the Volo peer's (benches/peers/volo/idl/echo.thrift), so that both
// sides send the same bytes. Payloads: corpus/payloads/echo-small.json (120 bytes of
// `Request` in the binary protocol) and echo-large.json (10,732 bytes).

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
