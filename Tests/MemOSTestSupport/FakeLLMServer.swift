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
    /// The system message of each request, in order ("" for none).
    let systemPrompts = Mutex<[String]>([])

    init(answer: @escaping @Sendable (String) -> String?) {
        self.answer = answer
    }

    struct Body: Decodable {
        struct Message: Decodable {
            var role: String
            /// The text; a list of content parts is read as its text parts, each `image_url` part as
            /// `[image <media type>]`.
            var content: String

            enum CodingKeys: String, CodingKey { case role, content }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                self.role = try container.decode(String.self, forKey: .role)
                if let text = try? container.decode(String.self, forKey: .content) {
                    self.content = text
                    return
                }
                let parts = try container.decode([JSONValue].self, forKey: .content)
                self.content = parts.compactMap { part -> String? in
                    guard case .object(let fields) = part else { return nil }
                    if case .string(let text)? = fields["text"] { return text }
                    if case .object(let image)? = fields["image_url"], case .string(let url)? = image["url"] {
                        return "[image \(url.dropFirst(5).prefix { $0 != ";" })]"
                    }
                    return nil
                }.joined(separator: "\n")
            }
        }

        var model: String
        var messages: [Message]
        var stream: Bool?
    }

    /// Runs the server on a free port for the duration of `body`, which gets a chat model pointed at it.
    func run<T: Sendable>(_ body: @Sendable (any ChatModel) async throws -> T) async throws -> T {
        try await self.serve { port, logger in
            try await body(
                OpenAIChatModel(
                    configuration: .init(baseURL: "http://127.0.0.1:\(port)", model: "fake-llm", maxRetries: 0),
                    logger: logger
                )
            )
        }
    }

    /// Runs the server for the duration of `body`, which gets the chat routes' model pointed at it.
    func runAnswer<T: Sendable>(_ body: @Sendable (any AnswerModel) async throws -> T) async throws -> T {
        try await self.serve { port, logger in
            try await body(
                OpenAIAnswerModel(
                    configuration: .init(baseURL: "http://127.0.0.1:\(port)", model: "fake-llm", timeout: .seconds(5)),
                    logger: logger
                )
            )
        }
    }

    /// Runs the server for the duration of `body`, which gets a vision model pointed at it.
    func runVision<T: Sendable>(_ body: @Sendable (any VisionModel) async throws -> T) async throws -> T {
        try await self.serve { port, logger in
            try await body(
                OpenAIVisionModel(
                    configuration: .init(baseURL: "http://127.0.0.1:\(port)", model: "fake-vision", maxRetries: 0),
                    logger: logger
                )
            )
        }
    }

    private func serve<T: Sendable>(_ body: @Sendable (Int, Logger) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/chat/completions") { request, context -> Response in
            let decoded = try await request.decode(as: Body.self, context: context)
            let prompt = decoded.messages.last { $0.role == "user" }?.content ?? ""
            self.prompts.withLock { $0.append(prompt) }
            self.systemPrompts.withLock { $0.append(decoded.messages.first { $0.role == "system" }?.content ?? "") }
            guard let content = self.answer(prompt) else { return Response(status: .internalServerError) }
            if decoded.stream == true {
                // Server-sent events, a word per chunk, as OpenAI streams.
                var events = ""
                for word in content.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                    let piece = (word.offset == 0 ? "" : " ") + word.element
                    let chunk: [String: Any] = [
                        "id": "chatcmpl-test", "object": "chat.completion.chunk", "model": decoded.model,
                        "choices": [["index": 0, "delta": ["content": piece], "finish_reason": NSNull()]],
                    ]
                    events +=
                        "data: \(String(decoding: try JSONSerialization.data(withJSONObject: chunk), as: UTF8.self))\n\n"
                }
                events += "data: [DONE]\n\n"
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/event-stream"],
                    body: .init(byteBuffer: ByteBuffer(string: events))
                )
            }
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
        return try await LocalHTTPServer.serve(router, logger: logger) { port in try await body(port, logger) }
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
