import AsyncHTTPClient
import Foundation
import Logging
import MemOSCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The chat routes' model behind an OpenAI-compatible `POST {base}/v1/chat/completions`, whole or streamed
/// (server-sent events). Not retried: a chat answer is the caller's to retry.
public struct OpenAIAnswerModel: AnswerModel {
    public let configuration: OpenAIChatModel.Configuration
    let client: HTTPClient
    let logger: Logger
    public var modelID: String { self.configuration.model }

    /// - Parameter configuration: `MEMOS_LLM_URL`, `MEMOS_LLM_MODEL`, `MEMOS_LLM_API_KEY`, `MEMOS_LLM_TIMEOUT_SECONDS`
    ///   (for a streamed answer: the longest wait for the answer to begin).
    public init(configuration: OpenAIChatModel.Configuration, client: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    struct RequestBody: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        var model: String
        var messages: [Message]
        var stream: Bool
        var temperature: Double?
        var maxTokens: Int?
        var topP: Double?

        enum CodingKeys: String, CodingKey {
            case model, messages, stream, temperature
            case maxTokens = "max_tokens"
            case topP = "top_p"
        }
    }

    struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message
        }
        var choices: [Choice]
    }

    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var delta: Delta?
        }
        var choices: [Choice]
    }

    func request(_ turns: [ChatTurn], options: AnswerOptions, stream: Bool) throws -> HTTPClientRequest {
        let base =
            self.configuration.baseURL.hasSuffix("/")
            ? String(self.configuration.baseURL.dropLast()) : self.configuration.baseURL
        var request = HTTPClientRequest(url: base + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if stream { request.headers.add(name: "Accept", value: "text/event-stream") }
        if let key = self.configuration.apiKey, !key.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        let body = RequestBody(
            model: self.configuration.model,
            messages: turns.map { .init(role: $0.role, content: $0.content) },
            stream: stream,
            temperature: options.temperature,
            maxTokens: options.maxTokens,
            topP: options.topP
        )
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        return request
    }

    /// Sends the request; a non-2xx answer, a refused connection or a timeout becomes an ``UpstreamError``.
    func send(_ request: HTTPClientRequest, deadline: NIODeadline? = nil) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await self.client.execute(
                request,
                timeout: .milliseconds(self.configuration.timeout.wholeMilliseconds)
            )
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw UpstreamError(timedOut: true, message: "the LLM service did not answer in time")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw UpstreamError(timedOut: false, message: "the LLM service could not be reached: \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await response.body.collect(upTo: 4_096)).map { String(buffer: $0) } ?? ""
            throw UpstreamError(
                timedOut: false,
                message: "the LLM service answered HTTP \(response.status.code): \(text.prefix(300))"
            )
        }
        return response
    }

    public func answer(_ turns: [ChatTurn], options: AnswerOptions) async throws -> String {
        let response = try await self.send(try self.request(turns, options: options, stream: false))
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: 64 * 1_024 * 1_024)
        } catch {
            throw UpstreamError(timedOut: false, message: "the LLM service's answer broke off: \(error)")
        }
        guard let decoded = try? JSONDecoder().decode(Completion.self, from: Data(buffer: body)),
            let content = decoded.choices.first?.message.content
        else {
            throw UpstreamError(timedOut: false, message: "the LLM service's answer is not a chat completion")
        }
        return content
    }

    public func streamAnswer(
        _ turns: [ChatTurn],
        options: AnswerOptions
    ) async throws -> AsyncThrowingStream<String, any Error> {
        let response = try await self.send(try self.request(turns, options: options, stream: true))
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: String.self)
        let task = Task {
            do {
                var pending = ""
                outer: for try await buffer in response.body {
                    pending += String(buffer: buffer)
                    while let newline = pending.firstIndex(of: "\n") {
                        let line = pending[..<newline].trimmingCharacters(in: .whitespacesAndNewlines)
                        pending = String(pending[pending.index(after: newline)...])
                        guard line.hasPrefix("data:") else { continue }
                        let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                        if payload == "[DONE]" { break outer }
                        guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(payload.utf8)) else {
                            continue
                        }
                        if let text = chunk.choices.first?.delta?.content, !text.isEmpty { continuation.yield(text) }
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(
                    throwing: error is CancellationError
                        ? error
                        : UpstreamError(timedOut: false, message: "the LLM service's answer broke off: \(error)")
                )
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
