/// One turn of a chat as the answering model reads it.
public struct ChatTurn: Sendable, Hashable {
    /// "system", "user", "assistant" (or another role the model's API knows).
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// How the answering model should answer; nil leaves a knob to the model's default.
public struct AnswerOptions: Sendable, Hashable {
    public var temperature: Double?
    public var maxTokens: Int?
    public var topP: Double?

    public init(temperature: Double? = nil, maxTokens: Int? = nil, topP: Double? = nil) {
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
    }
}

/// A chat model that answers a conversation: the LLM behind the chat routes.
public protocol AnswerModel: Sendable {
    /// The model's name, reported in answers.
    var modelID: String { get }
    /// The whole answer.
    /// - Throws: ``UpstreamError`` when the model's service fails or times out.
    func answer(_ turns: [ChatTurn], options: AnswerOptions) async throws -> String
    /// The answer as it is generated: pieces of text in order. The call returns once the service has accepted the
    /// request, so a refusal is thrown here and not in the middle of the stream.
    func streamAnswer(
        _ turns: [ChatTurn],
        options: AnswerOptions
    ) async throws -> AsyncThrowingStream<String, any Error>
}

/// A failure of a remote model's service, as a gateway reports it: 502 (it failed) or 504 (it did not answer in time).
public struct UpstreamError: Error, Sendable, CustomStringConvertible {
    public var timedOut: Bool
    /// The service's reason, safe to show (its status and the start of its answer).
    public var message: String

    public init(timedOut: Bool, message: String) {
        self.timedOut = timedOut
        self.message = message
    }

    public var description: String { self.message }
}
