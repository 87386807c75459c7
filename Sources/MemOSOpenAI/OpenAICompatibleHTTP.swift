import AsyncHTTPClient
import Foundation
import Logging
import MemOSCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// POSTs JSON to an OpenAI-compatible API, retrying what is worth retrying.
///
/// 429 and 5xx answers and connection failures are retried up to `maxRetries` times with exponential backoff
/// and jitter, honouring `Retry-After`; then the call fails with `unavailable`. Other 4xx answers fail at once
/// with `failedPrecondition` (a wrong URL, model or key will not fix itself).
struct OpenAICompatibleHTTP: Sendable {
    var baseURL: String
    var apiKey: String?
    var timeout: Duration
    var maxRetries: Int
    var initialBackoff: Duration
    /// How errors name the remote side, for example "the embedding service".
    var service: String
    var client: HTTPClient
    var logger: Logger

    /// A failure worth retrying, with the server's requested delay if it gave one.
    struct Retryable: Error {
        var reason: String
        var retryAfter: Duration?
    }

    /// The body of a 2xx answer to `POST {baseURL}{path}`.
    func post(path: String, body: some Encodable) async throws -> Data {
        let encoded = try JSONEncoder().encode(body)
        var attempt = 0
        while true {
            do {
                return try await self.postOnce(path: path, body: encoded)
            } catch let error as Retryable {
                attempt += 1
                guard attempt <= self.maxRetries else {
                    throw MemOSError(
                        code: .unavailable,
                        message: "\(self.service) failed after \(attempt) attempts: \(error.reason)"
                    )
                }
                let backoff = self.initialBackoff * (1 << (attempt - 1))
                let delay = error.retryAfter ?? backoff * Double.random(in: 0.5...1.0)
                self.logger.warning(
                    "request to \(self.service) failed; retrying",
                    metadata: ["attempt": "\(attempt)", "reason": "\(error.reason)", "delay": "\(delay)"]
                )
                try await Task.sleep(for: delay)
            }
        }
    }

    func postOnce(path: String, body: Data) async throws -> Data {
        let base = self.baseURL.hasSuffix("/") ? String(self.baseURL.dropLast()) : self.baseURL
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key = self.apiKey, !key.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        request.body = .bytes(ByteBuffer(data: body))
        let milliseconds = self.timeout.wholeMilliseconds
        let response: HTTPClientResponse
        let collected: ByteBuffer
        do {
            response = try await self.client.execute(request, timeout: .milliseconds(milliseconds))
            collected = try await response.body.collect(upTo: 256 * 1_024 * 1_024)
        } catch {
            throw Retryable(reason: "\(error)", retryAfter: nil)
        }
        switch response.status.code {
        case 200..<300:
            return Data(buffer: collected)
        case 429, 500..<600:
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
            throw Retryable(reason: "HTTP \(response.status.code)", retryAfter: retryAfter)
        default:
            throw MemOSError(
                code: .failedPrecondition,
                message:
                    "\(self.service) answered HTTP \(response.status.code): \(String(buffer: collected).prefix(200))"
            )
        }
    }
}

extension OpenAICompatibleHTTP {
    /// A client of a chat model's API, with its configuration's URL, key, timeout and retries.
    init(_ configuration: OpenAIChatModel.Configuration, service: String, client: HTTPClient, logger: Logger) {
        self.init(
            baseURL: configuration.baseURL,
            apiKey: configuration.apiKey,
            timeout: configuration.timeout,
            maxRetries: configuration.maxRetries,
            initialBackoff: configuration.initialBackoff,
            service: service,
            client: client,
            logger: logger
        )
    }
}
