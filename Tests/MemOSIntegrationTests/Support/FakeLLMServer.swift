import Foundation
import Hummingbird
import Logging
import MemOSCore
import MemOSOpenAI
import NIOCore
import Synchronization

/// A local HTTP server that answers `POST /v1/chat/completions` like an OpenAI-compatible API, with the
/// assistant content `answer` returns for the user message (nil: HTTP 500).
final class FakeLLMServer: Sendable {
    let answer: @Sendable (String) -> String?
    let prompts = Mutex<[String]>([])

    init(answer: @escaping @Sendable (String) -> String?) {
        self.answer = answer
    }

    struct Body: Decodable {
        struct Message: Decodable {
            var role: String
            var content: String
        }

        var model: String
        var messages: [Message]
    }

    /// Runs the server on a free port for the duration of `body`, which gets a chat model pointed at it.
    func run<T: Sendable>(_ body: @Sendable (any ChatModel) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/chat/completions") { request, context -> Response in
            let decoded = try await request.decode(as: Body.self, context: context)
            let prompt = decoded.messages.last { $0.role == "user" }?.content ?? ""
            self.prompts.withLock { $0.append(prompt) }
            guard let content = self.answer(prompt) else { return Response(status: .internalServerError) }
            let reply: [String: Any] = [
                "id": "chatcmpl-test", "object": "chat.completion", "model": decoded.model,
                "choices": [
                    ["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": content]]
                ],
            ]
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: reply)))
            )
        }
        var quiet = Logger(label: "fake-llm-server")
        quiet.logLevel = .critical
        let logger = quiet
        return try await LocalHTTPServer.serve(router, logger: logger) { port in
            let model = OpenAIChatModel(
                configuration: .init(baseURL: "http://127.0.0.1:\(port)", model: "fake-llm", maxRetries: 0),
                logger: logger
            )
            return try await body(model)
        }
    }
}

/// Runs a local HTTP server of `router` on a free loopback port for the duration of `body`, which gets the port:
/// the stand-in for a remote API (an LLM, a reranker) in tests.
enum LocalHTTPServer {
    static func serve<T: Sendable>(
        _ router: Router<BasicRequestContext>,
        logger: Logger,
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var port = 0
            for await value in ports {
                port = value
                break
            }
            return try await body(port)
        }
    }
}
