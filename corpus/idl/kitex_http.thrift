// Kitex/Hertz style IDL: HTTP mapping annotations (`api.*`) on fields and
// methods, keyword field names, no-space annotations, a streaming annotation.
namespace go thriftjit.corpus.kitex

struct BaseResp {
  1: string StatusMessage = ""
  2: i32 StatusCode = 0
  3: optional map<string, string> Extra
}

struct GetItemReq {
  1: required i64 id (api.path = "id", api.vd = "$ > 0")
  2: optional string lang (api.query = "lang")
  3: optional string token (api.header = "X-Token")
  4: optional string cookie (api.cookie = "session")
  5: i64 vint64(api.query = 'vint64', api.js_conv = "true")
  255: optional string string (go.tag = 'json:"string,omitempty"')
}

struct Item {
  1: i64 id (api.body = "id")
  2: string title (api.body = "title")
  3: list<string> tags (api.body = "tags")
  4: double price (api.body = "price")
}

struct GetItemResp {
  1: Item item
  255: BaseResp baseResp (api.none = "true")
}

struct CreateItemReq {
  1: required Item item (api.body = "item")
  2: optional string raw (api.raw_body = "")
  3: list<i64> ids (api.form = "ids")
}

struct CreateItemResp {
  1: i64 id
  2: i32 code (api.http_code = "")
  255: BaseResp baseResp
}

service ItemService {
  GetItemResp GetItem(1: GetItemReq req) (api.get = "/api/item/:id", api.serializer = "json")
  CreateItemResp CreateItem(1: CreateItemReq req) (api.post = "/api/item", api.handler_path = "item")
  GetItemResp DeleteItem(1: GetItemReq req) (api.delete = "/api/item/:id")
  GetItemResp PatchItem(1: GetItemReq req) (api.patch = "/api/item/:id", api.param = "true")
  GetItemResp ListItems(1: GetItemReq req) (streaming.mode = "server")
} (api.base_domain = "example.com", api.service_path = "/v1")
