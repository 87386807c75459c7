import AsyncHTTPClient
import Foundation
import Logging
import MemOSCore

/// A chat model behind an OpenAI-compatible `POST {base}/v1/chat/completions` endpoint (OpenAI, vLLM, Ollama,
/// LM Studio, ...), for the fine reader.
///
/// Requests use temperature 0 and, unless turned off, `response_format: {"type": "json_object"}`. 429 and 5xx
/// answers and connection failures are retried with backoff (see ``OpenAICompatibleHTTP``).
public struct OpenAIChatModel: ChatModel {
    /// Settings, each with its environment variable (read by the `memos` executable) and default.
    ///
    /// - `baseURL` (`MEMOS_LLM_URL`), `model` (`MEMOS_LLM_MODEL`), `apiKey` (`MEMOS_LLM_API_KEY`, optional).
    /// - `timeout` (`MEMOS_LLM_TIMEOUT_SECONDS`, default 60 s per request), `maxRetries`
    ///   (`MEMOS_LLM_MAX_RETRIES`, default 2), `initialBackoff` (default 500 ms).
    /// - `jsonMode` (`MEMOS_LLM_JSON_MODE`, default true): ask for a JSON object answer; turn it off for servers
    ///   that reject `response_format`.
    public struct Configuration: Sendable {
        public var baseURL: String
        public var model: String
        public var apiKey: String?
        public var timeout: Duration
        public var maxRetries: Int
        public var initialBackoff: Duration
        public var jsonMode: Bool

        public init(
            baseURL: String,
            model: String,
            apiKey: String? = nil,
            timeout: Duration = .seconds(60),
            maxRetries: Int = 2,
            initialBackoff: Duration = .milliseconds(500),
            jsonMode: Bool = true
        ) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.timeout = timeout
            self.maxRetries = maxRetries
            self.initialBackoff = initialBackoff
            self.jsonMode = jsonMode
        }
    }

    public let configuration: Configuration
    let http: OpenAICompatibleHTTP
    public var modelID: String { self.configuration.model }

    public init(configuration: Configuration, client: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.http = OpenAICompatibleHTTP(configuration, service: "the LLM service", client: client, logger: logger)
    }

    struct RequestBody: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        struct ResponseFormat: Encodable {
            var type = "json_object"
        }

        var model: String
        var messages: [Message]
        var temperature: Double = 0
        var responseFormat: ResponseFormat?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature
            case responseFormat = "response_format"
        }
    }

    struct ResponseBody: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
            }

            var message: Message
        }

        var choices: [Choice]
    }

    public func complete(system: String, user: String) async throws -> String {
        let body = try await self.http.post(
            path: "/v1/chat/completions",
            body: RequestBody(
                model: self.configuration.model,
                messages: [.init(role: "system", content: system), .init(role: "user", content: user)],
                responseFormat: self.configuration.jsonMode ? .init() : nil
            )
        )
        guard let decoded = try? JSONDecoder().decode(ResponseBody.self, from: body),
            let content = decoded.choices.first?.message.content
        else {
            throw MemOSError(code: .unavailable, message: "the LLM service's answer is not a chat completion")
        }
        return content
    }
}
