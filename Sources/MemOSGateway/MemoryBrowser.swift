import HTTPTypes
import Hummingbird
import NIOCore

/// The memory browser at `/ui`: a page, its script and its style (Sources/MemOSGateway/UI, compiled in by
/// scripts/generate-ui.py), with no build step. It calls only the public `/v1` API with the API key the user
/// signs in with, kept in the tab's session storage; a strict content security policy allows nothing but this
/// origin's own files and calls.
enum MemoryBrowser {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
        .xContentTypeOptions: "nosniff",
        .cacheControl: "no-cache",
    ]
}

extension Gateway {
    func addMemoryBrowserRoutes(to router: Router<GatewayRequestContext>) {
        let files = [
            ("/ui", "text/html; charset=utf-8", MemoryBrowser.html),
            ("/ui/app.js", "text/javascript; charset=utf-8", MemoryBrowser.javascript),
            ("/ui/app.css", "text/css; charset=utf-8", MemoryBrowser.css),
        ]
        for (path, type, text) in files {
            let body = ByteBuffer(string: text)
            router.get(RouterPath(path)) { _, _ in
                var headers = MemoryBrowser.securityHeaders
                headers[.contentType] = type
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            }
        }
    }
}

extension HTTPField.Name {
    /// `X-Content-Type-Options`: `nosniff` stops browsers guessing another type than the one sent.
    static var xContentTypeOptions: Self { Self("X-Content-Type-Options") ?? .contentType }
}
