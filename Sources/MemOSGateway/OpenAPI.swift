/// The OpenAPI 3.1 document of the gateway, served at `GET /openapi.json`: every route, its body, its errors and
/// the limits. `OpenAPITests` fails when it and the router's routes differ.
///
/// Its text, `OpenAPI.text` in Generated/OpenAPIDocument.swift (and the same in docs/openapi.json), is made by
/// scripts/generate-openapi.py: the paths and the schemas that are no proto message come from openapi/gateway.json,
/// the proto messages' schemas from proto/ with openapi/overlays.json. Edit those and run scripts/generate.sh.
enum OpenAPI {
    static let document: [UInt8] = Array(text.utf8)
}
