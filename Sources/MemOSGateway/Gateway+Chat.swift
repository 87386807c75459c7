import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Logging
import MemOSCore
import MemOSProto
import MemOSRPC
import NIOCore
import SwiftProtobuf

/// Memory-augmented chat: `POST /v1/chat/completions` in OpenAI's shape (so any OpenAI SDK can call it, streamed or
/// not), and MemOS's `/product/chat/complete` and `/product/chat/stream`.
///
/// The last user turn is searched in the caller's cubes; the memories found go into a system message
/// (``ChatPrompt``) ahead of the caller's turns, their ids come back with the answer, and the configured LLM
/// answers. After a complete answer, the user turn and the answer are added to the write-back cube as an
/// asynchronous AddMessages whose idempotency key is the request id; a failed answer writes nothing.
extension Gateway {
    func addChatRoutes(to router: Router<GatewayRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            do {
                let caller = try await self.caller(request, context)
                let body = try await self.decode(ChatCompletionBody.self, request)
                let chat = try await self.prepareChat(
                    ChatPlan(
                        turns: try body.turns(),
                        cubeIDs: body.cubeIds,
                        writeBack: body.writeBack,
                        topK: body.topK,
                        sessionID: body.sessionId,
                        options: AnswerOptions(
                            temperature: body.temperature,
                            maxTokens: body.maxTokens,
                            topP: body.topP
                        )
                    ),
                    caller: caller,
                    context: context
                )
                let id = "chatcmpl-" + context.requestID
                let model = body.model ?? chat.model.modelID
                let created = Int(Date().timeIntervalSince1970)
                if body.stream == true {
                    let pieces = try await chat.model.streamAnswer(chat.turns, options: chat.plan.options)
                    return Self.eventStream { write in
                        try write(
                            Self.chunk(
                                id: id,
                                model: model,
                                created: created,
                                delta: ["role": "assistant", "content": ""]
                            )
                            .merging(["memory_ids": chat.memoryIDs]) { first, _ in first }
                        )
                        var answer = ""
                        do {
                            for try await piece in pieces {
                                answer += piece
                                try write(Self.chunk(id: id, model: model, created: created, delta: ["content": piece]))
                            }
                        } catch let error as UpstreamError {
                            try write(["error": ["message": error.message, "type": "upstream_error"]])
                            return
                        }
                        try write(Self.chunk(id: id, model: model, created: created, delta: [:], finish: "stop"))
                        await self.writeBack(chat, answer: answer, caller: caller, context: context)
                    } done: {
                        "[DONE]"
                    }
                }
                let answer = try await chat.model.answer(chat.turns, options: chat.plan.options)
                let job = await self.writeBack(chat, answer: answer, caller: caller, context: context)
                var reply: [String: Any] = [
                    "id": id, "object": "chat.completion", "created": created, "model": model,
                    "choices": [
                        ["index": 0, "message": ["role": "assistant", "content": answer], "finish_reason": "stop"]
                    ],
                    "memory_ids": chat.memoryIDs,
                ]
                if let job { reply["write_back_job_id"] = job }
                return try Self.jsonObject(reply)
            } catch {
                return self.errorResponse(error, logger: context.logger)
            }
        }
        router.post("/product/chat/complete") { request, context in
            await self.product(request, context, message: "Chat completed successfully") { caller in
                let body = try await self.decode(MemOSChatRequest.self, request)
                let chat = try await self.prepareChat(body.plan(), caller: caller, context: context)
                let answer = try await chat.model.answer(chat.turns, options: chat.plan.options)
                await self.writeBack(chat, answer: answer, caller: caller, context: context)
                let (reasoning, response) = MemOSChatRequest.splitReasoning(answer)
                return .object(["response": .string(response), "reasoning": .string(reasoning)])
            }
        }
        router.post("/product/chat/stream") { request, context in
            do {
                let caller = try await self.caller(request, context)
                let body = try await self.decode(MemOSChatRequest.self, request)
                let chat = try await self.prepareChat(body.plan(), caller: caller, context: context)
                let pieces = try await chat.model.streamAnswer(chat.turns, options: chat.plan.options)
                return Self.eventStream { write in
                    try write(["type": "reference", "data": chat.memoryIDs])
                    var answer = ""
                    do {
                        for try await piece in pieces {
                            answer += piece
                            try write(["type": "text", "data": piece])
                        }
                    } catch let error as UpstreamError {
                        try write(["type": "error", "data": error.message])
                        return
                    }
                    await self.writeBack(chat, answer: answer, caller: caller, context: context)
                    try write(["type": "end", "data": ""])
                } done: {
                    nil
                }
            } catch {
                return self.memosErrorResponse(error, logger: context.logger)
            }
        }
    }

    /// What a chat request asks for, whichever route it came by.
    struct ChatPlan: Sendable {
        var turns: [ChatTurn]
        /// The cubes searched; nil: every cube the caller may read.
        var cubeIDs: [String]?
        /// Where the exchange is added afterwards: true (the default when cubes are named) writes into the first
        /// named cube; false writes nothing.
        var writeBack: Bool?
        var topK: Int?
        var sessionID: String?
        var options: AnswerOptions
    }

    /// A chat ready to answer: the memories found, the turns the model reads, where to write back.
    struct PreparedChat: Sendable {
        var plan: ChatPlan
        var model: any AnswerModel
        var turns: [ChatTurn]
        var memoryIDs: [String]
        var writeCube: String?
        var question: String
    }

    /// The error of a chat route when no LLM is configured.
    static let noAnswerModel = MemOSError(
        code: .failedPrecondition,
        message: "chat needs an LLM and none is configured: set MEMOS_LLM_URL and MEMOS_LLM_MODEL (and "
            + "MEMOS_LLM_API_KEY if the server wants one) for the gateway"
    )

    /// Checks the request, searches the caller's memories for the last user turn and builds the model's turns.
    func prepareChat(_ plan: ChatPlan, caller: Caller, context: GatewayRequestContext) async throws -> PreparedChat {
        guard let model = self.configuration.answerModel else { throw Self.noAnswerModel }
        try Validate.count(plan.turns.count, field: "messages", max: Limits.maxMessagesPerRequest)
        guard let question = plan.turns.last(where: { $0.role == "user" })?.content, !question.isEmpty else {
            throw MemOSError.invalidArgument("messages must hold a user turn with content (it is what is searched)")
        }
        let topK = plan.topK ?? 5
        guard (1...Limits.maxTopK).contains(topK) else {
            throw MemOSError.invalidArgument("top_k must be between 1 and \(Limits.maxTopK)")
        }
        if let temperature = plan.options.temperature, !(0...2).contains(temperature) {
            throw MemOSError.invalidArgument("temperature must be between 0 and 2")
        }
        if let maxTokens = plan.options.maxTokens, !(1...1_000_000).contains(maxTokens) {
            throw MemOSError.invalidArgument("max_tokens must be between 1 and 1,000,000")
        }
        if let topP = plan.options.topP, !(0...1).contains(topP) {
            throw MemOSError.invalidArgument("top_p must be between 0 and 1")
        }
        try Validate.optionalText(plan.sessionID ?? "", field: "session_id", maxBytes: Limits.maxIdentifierBytes)
        var cubes = plan.cubeIDs ?? []
        if cubes.isEmpty {
            cubes = Array(try await self.accounts.cubes(caller).map(\.cubeID).prefix(Limits.maxCubesPerSearch))
        }
        var writeCube = (plan.writeBack ?? (plan.cubeIDs?.isEmpty == false)) ? plan.cubeIDs?.first : nil
        if plan.writeBack == true, writeCube == nil {
            throw MemOSError.invalidArgument("write_back needs cube_ids: the exchange is added to the first of them")
        }
        if let cube = writeCube {
            do {
                try await self.accounts.authorize(caller, cubes: [cube], for: .write)
            } catch let error as RPCError where error.code == .permissionDenied && plan.writeBack == nil {
                // Write-back by default, into a cube the caller only reads: nothing is written.
                writeCube = nil
            }
        }
        var memories: [Memos_Common_V1_Memory] = []
        if !cubes.isEmpty {
            memories = try await self.clients.retrieval.search(
                .with {
                    $0.cubeIds = cubes
                    $0.query = String(question.utf8.prefix(Limits.maxQueryBytes)) ?? String(question.prefix(2_048))
                    $0.topK = Int32(topK)
                    if let session = plan.sessionID { $0.sessionID = session }
                },
                metadata: caller.metadata
            ).hits.map(\.memory)
        }
        return PreparedChat(
            plan: plan,
            model: model,
            turns: ChatPrompt.turns(plan.turns, memories: memories),
            memoryIDs: memories.map(\.id),
            writeCube: writeCube,
            question: question
        )
    }

    /// Adds the question and the answer to the write-back cube (asynchronously: the scheduler makes the memories);
    /// returns the job's id. A failure is logged, not thrown: the answer has been given.
    @discardableResult
    func writeBack(
        _ chat: PreparedChat,
        answer: String,
        caller: Caller,
        context: GatewayRequestContext
    ) async -> String? {
        guard let cube = chat.writeCube, !answer.isEmpty else { return nil }
        do {
            return try await self.clients.ingest.addMessages(
                .with {
                    $0.cubeID = cube
                    $0.sessionID = chat.plan.sessionID ?? ""
                    $0.async = true
                    $0.idempotencyKey = "chat:" + context.requestID
                    $0.messages = [
                        .with {
                            $0.role = "user"
                            $0.content = String(chat.question.utf8.prefix(Limits.maxMessageBytes)) ?? ""
                        },
                        .with {
                            $0.role = "assistant"
                            $0.content = String(answer.utf8.prefix(Limits.maxMessageBytes)) ?? ""
                        },
                    ]
                },
                metadata: caller.metadata
            ).jobID
        } catch {
            context.logger.warning("the chat's write-back failed", metadata: ["cause": "\(String(reflecting: error))"])
            return nil
        }
    }

    /// An OpenAI `chat.completion.chunk`.
    static func chunk(
        id: String,
        model: String,
        created: Int,
        delta: [String: Any],
        finish: String? = nil
    ) -> [String: Any] {
        [
            "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [["index": 0, "delta": delta, "finish_reason": finish.map { $0 as Any } ?? NSNull()]],
        ]
    }

    static func jsonObject(_ object: [String: Any]) throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
        )
    }

    /// A `text/event-stream` response: each object `produce` writes is one `data:` event; `done` is the last event's
    /// data, if any. A client that goes away ends the response (a write fails), which cancels `produce` and with it
    /// the model's call.
    static func eventStream(
        _ produce: @escaping @Sendable (_ write: @Sendable ([String: Any]) throws -> Void) async throws -> Void,
        done: @escaping @Sendable () -> String?
    ) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                let (events, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            try await produce { object in
                                let data = try JSONSerialization.data(withJSONObject: object)
                                continuation.yield(
                                    ByteBuffer(string: "data: \(String(decoding: data, as: UTF8.self))\n\n")
                                )
                            }
                            if let last = done() { continuation.yield(ByteBuffer(string: "data: \(last)\n\n")) }
                            continuation.finish()
                        } catch {
                            continuation.finish(throwing: error)
                        }
                    }
                    for try await event in events { try await writer.write(event) }
                    try await group.waitForAll()
                }
                try await writer.finish(nil)
            }
        )
    }
}

/// The system message that hands the model the memories found.
enum ChatPrompt {
    /// The turns the model reads: a system message with the memories first (the caller's own system messages
    /// follow it), then the caller's turns.
    static func turns(_ turns: [ChatTurn], memories: [Memos_Common_V1_Memory]) -> [ChatTurn] {
        [ChatTurn(role: "system", content: Self.system(memories))] + turns
    }

    /// The template: an instruction, then one memory per line, most relevant first, with its date.
    static func system(_ memories: [Memos_Common_V1_Memory]) -> String {
        guard !memories.isEmpty else {
            return "You are a helpful assistant with a memory of the user. No stored memory matches this message; "
                + "answer from the conversation, and say so when you do not know."
        }
        let lines = memories.enumerated().map { index, memory in
            let date = memory.hasCreatedAt ? String(memory.createdAt.date.ISO8601Format().prefix(10)) : ""
            return "\(index + 1). [\(date)] \(memory.content)"
        }
        return """
            You are a helpful assistant with a memory of the user. These memories may help, most relevant first \
            (with the date each was stored):
            \(lines.joined(separator: "\n"))
            Use them when they answer the message; do not mention them otherwise, and never invent memories.
            """
    }
}

/// OpenAI's chat completion request, with the memory fields; unknown fields are ignored, as OpenAI's clients
/// send many.
struct ChatCompletionBody: Decodable {
    struct Message: Decodable {
        var role: String
        var content: MessageContent?
    }

    /// A string, or a list of parts whose `text` parts are read.
    struct MessageContent: Decodable {
        var text: String

        init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else if container.decodeNil() {
                self.text = ""
            } else {
                let parts = try container.decode([JSONValue].self)
                self.text = parts.compactMap { part -> String? in
                    guard case .object(let fields) = part, case .string(let text)? = fields["text"] else { return nil }
                    return text
                }.joined(separator: "\n")
            }
        }
    }

    var model: String?
    var messages: [Message]
    var stream: Bool?
    var temperature: Double?
    var maxTokens: Int?
    var topP: Double?
    var cubeIds: [String]?
    var sessionId: String?
    var topK: Int?
    var writeBack: Bool?

    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool"]

    func turns() throws -> [ChatTurn] {
        try self.messages.enumerated().map { index, message in
            guard Self.roles.contains(message.role) else {
                throw MemOSError.invalidArgument(
                    "messages[\(index)].role must be one of system, developer, user, assistant, tool"
                )
            }
            let text = message.content?.text ?? ""
            try Validate.optionalText(text, field: "messages[\(index)].content", maxBytes: Limits.maxMessageBytes)
            return ChatTurn(role: message.role, content: text)
        }
    }
}

/// MemOS's `APIChatCompleteRequest` / `ChatRequest`, with the fields this server reads.
struct MemOSChatRequest: Decodable {
    var query: String?
    var readableCubeIds: [String]?
    var writableCubeIds: [String]?
    var memCubeId: String?
    var history: [MemOSMessage]?
    var systemPrompt: String?
    var topK: Int?
    var sessionId: String?
    var addMessageOnAnswer: Bool?
    var maxTokens: Int?
    var temperature: Double?
    var topP: Double?

    func plan() throws -> Gateway.ChatPlan {
        guard let query = self.query, !query.isEmpty else { throw MemOSError.invalidArgument("query is required") }
        var turns = (self.systemPrompt.map { [ChatTurn(role: "system", content: $0)] } ?? [])
        turns += (self.history ?? []).map { ChatTurn(role: $0.role, content: $0.content) }
        turns.append(ChatTurn(role: "user", content: query))
        let readable = self.readableCubeIds ?? self.memCubeId.map { [$0] } ?? []
        let writable = self.writableCubeIds ?? readable
        let writeBack = self.addMessageOnAnswer ?? true
        var cubes: [String] = []
        if writeBack, let first = writable.first { cubes.append(first) }
        for cube in readable where !cubes.contains(cube) { cubes.append(cube) }
        return Gateway.ChatPlan(
            turns: turns,
            cubeIDs: cubes.isEmpty ? nil : cubes,
            // MemOS writes back by default; here only into a cube the caller may write (unless asked explicitly).
            writeBack: writeBack && !writable.isEmpty ? self.addMessageOnAnswer : false,
            topK: self.topK,
            sessionID: self.sessionId,
            options: AnswerOptions(temperature: self.temperature, maxTokens: self.maxTokens, topP: self.topP)
        )
    }

    /// A `<think>…</think>` block at the start is the reasoning (as MemOS splits it), the rest the response.
    static func splitReasoning(_ answer: String) -> (reasoning: String, response: String) {
        guard answer.hasPrefix("<think>"), let end = answer.range(of: "</think>") else { return ("", answer) }
        let reasoning = answer[answer.index(answer.startIndex, offsetBy: 7)..<end.lowerBound]
        return (
            reasoning.trimmingCharacters(in: .whitespacesAndNewlines),
            answer[end.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
