import Foundation
import GRPCCore
import Hummingbird
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

/// `POST /v1/feedback` and `POST /v1/tools`: feedback on memories, and tool schemas registered per cube.
extension Gateway {
    func addFeedbackRoutes(to router: Router<GatewayRequestContext>) {
        let ingest = self.clients.ingest
        let retrieval = self.clients.retrieval
        router.post("/v1/feedback") { request, context in
            await self.handle(request, context, body: FeedbackBody.self) { body, metadata in
                var submit = body.request
                if let search = body.search {
                    // The feedback concerns this search's hits, as the caller sees them.
                    let hits = try await retrieval.search(
                        .with {
                            $0.cubeIds = [submit.cubeID]
                            $0.query = search.query
                            $0.topK = search.topK
                        },
                        metadata: metadata
                    ).hits
                    submit.memoryIds += hits.map(\.memory.id).filter { !submit.memoryIds.contains($0) }
                }
                return try await ingest.submitFeedback(submit, metadata: metadata)
            }
        }
        router.post("/v1/tools") { request, context in
            await self.handle(request, context, body: ToolsBody.self) { body, metadata in
                try await ingest.addMemories(body.request, metadata: metadata)
            }
        }
    }
}

/// `POST /v1/feedback`: a SubmitFeedbackRequest, plus `search: {query, top_k}` whose hits (in the body's cube, at
/// most `top_k`, default 10) join `memory_ids`.
struct FeedbackBody: GatewayBody {
    struct Search: Sendable {
        var query: String
        var topK: Int32
    }

    var request: Memos_Ingest_V1_SubmitFeedbackRequest
    var search: Search?

    init(json: Data) throws {
        try checkJSONSyntax(json)
        guard var object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let search = object.removeValue(forKey: "search")
        else {
            self.request = try Memos_Ingest_V1_SubmitFeedbackRequest(json: json)
            return
        }
        guard let fields = search as? [String: Any], let query = fields["query"] as? String else {
            throw MemOSError.invalidArgument("search must be an object with a query string (and top_k)")
        }
        let topK = fields["top_k"] ?? fields["topK"] ?? 10
        guard let topK = topK as? Int, (1...Limits.maxTopK).contains(topK) else {
            throw MemOSError.invalidArgument("search.top_k must be an integer between 1 and \(Limits.maxTopK)")
        }
        self.request = try Memos_Ingest_V1_SubmitFeedbackRequest(
            json: try JSONSerialization.data(withJSONObject: object)
        )
        self.search = Search(query: query, topK: Int32(topK))
    }
}

/// `POST /v1/tools`: `{cube_id, tools: [OpenAI tool objects], idempotency_key?}`. Each tool becomes a
/// ToolSchemaMemory: `key` "tool: <name>", its description and parameters as text, and `info` `tool_name`,
/// `description` and `parameters`; a tool registered again replaces its former schema (archived, in history).
struct ToolsBody: GatewayBody {
    /// Most tools one request registers.
    static let maxTools = 128

    var request: Memos_Ingest_V1_AddMemoriesRequest

    init(json: Data) throws {
        try checkJSONSyntax(json)
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw MemOSError.invalidArgument("the request body must be a JSON object")
        }
        guard let cubeID = object["cube_id"] as? String else {
            throw MemOSError.invalidArgument("cube_id is required")
        }
        guard let tools = object["tools"] as? [Any], !tools.isEmpty else {
            throw MemOSError.invalidArgument("tools must be a non-empty array of tools")
        }
        try Validate.count(tools.count, field: "tools", max: Self.maxTools)
        let items = try tools.enumerated().map { index, tool in
            guard let tool = tool as? [String: Any] else {
                throw MemOSError.invalidArgument("tools[\(index)] must be an object")
            }
            // OpenAI's {"type": "function", "function": {...}}, or the function object itself.
            let function = tool["function"] as? [String: Any] ?? tool
            guard let name = function["name"] as? String else {
                throw MemOSError.invalidArgument("tools[\(index)].function.name is required")
            }
            try Validate.text(name, field: "tools[\(index)].function.name", maxBytes: Limits.maxIdentifierBytes)
            let description = function["description"] as? String ?? ""
            let parameters = function["parameters"] ?? [String: Any]()
            guard JSONSerialization.isValidJSONObject(["p": parameters]),
                let parametersText = String(
                    data: try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys]),
                    encoding: .utf8
                )
            else {
                throw MemOSError.invalidArgument("tools[\(index)].function.parameters must be a JSON schema object")
            }
            let content = "Tool \(name): \(description)\nParameters: \(parametersText)"
            return try Memos_Ingest_V1_MemoryInput.with {
                $0.content = content
                $0.key = "tool: \(name)"
                $0.memoryType = .toolSchemaMemory
                $0.tags = ["tool", ToolTrajectory.nameTag(name)]
                $0.info = try Google_Protobuf_Struct(
                    jsonUTF8Data: try JSONSerialization.data(withJSONObject: [
                        "tool_name": name, "description": description, "parameters": parameters,
                    ])
                )
            }
        }
        self.request = .with {
            $0.cubeID = cubeID
            $0.items = items
            $0.idempotencyKey = object["idempotency_key"] as? String ?? ""
            $0.idsOnly = false
        }
    }
}

/// MemOS's feedback: `POST /product/feedback`, and `/product/add` with `is_feedback`.
extension Gateway {
    func addMemOSFeedbackRoute(to router: Router<GatewayRequestContext>) {
        router.post("/product/feedback") { request, context in
            await self.product(request, context) { caller in
                let body = try await self.decode(MemOSFeedbackRequest.self, request)
                let cubes = try Self.fanOut(
                    try body.writableCubeIds
                        ?? Self.cubes(body.memCubeId, orUser: body.userId, field: "writable_cube_ids"),
                    field: "writable_cube_ids"
                )
                return try await self.memosFeedback(
                    cubes: cubes,
                    feedback: body.feedbackContent ?? "",
                    memoryIDs: body.retrievedMemoryIds ?? [],
                    sessionID: body.sessionId ?? "",
                    wait: try !Self.asyncMode(body.asyncMode ?? "async"),
                    caller: caller
                )
            }
        }
    }

    /// `/product/add` with `is_feedback`: its last user message is the feedback.
    func memosFeedback(addRequest body: MemOSAddRequest, caller: Caller) async throws -> (String, JSONValue) {
        let cubes = try Self.fanOut(
            try body.writableCubeIds ?? Self.cubes(body.memCubeId, orUser: body.userId, field: "writable_cube_ids"),
            field: "writable_cube_ids"
        )
        guard let feedback = body.messages?.last(where: { $0.role == "user" })?.content, !feedback.isEmpty else {
            throw MemOSError.invalidArgument(
                "messages must end with a user message, the feedback, when is_feedback is set"
            )
        }
        return try await self.memosFeedback(
            cubes: cubes,
            feedback: feedback,
            memoryIDs: [],
            sessionID: body.sessionId ?? "",
            wait: try !Self.asyncMode(body.asyncMode ?? "async"),
            caller: caller
        )
    }

    /// Submits the feedback to each cube (with the ids among `memoryIDs` that are in it). In sync mode it waits for
    /// the jobs (at most 60 s) and answers their changes as MemOS's `record`; in async mode it answers `[]`.
    func memosFeedback(
        cubes: [String],
        feedback: String,
        memoryIDs: [String],
        sessionID: String,
        wait: Bool,
        caller: Caller
    ) async throws -> (String, JSONValue) {
        try await self.accounts.authorize(caller, cubes: cubes, for: .write)
        self.charge(caller, calls: cubes.count)
        var jobs: [(cube: String, id: String)] = []
        for cube in cubes {
            var ids = memoryIDs
            if cubes.count > 1, !ids.isEmpty {
                let found = try await self.clients.retrieval.getMemories(
                    .with {
                        $0.cubeID = cube
                        $0.memoryIds = ids
                    },
                    metadata: caller.metadata
                )
                ids = found.memories.map(\.id)
            }
            let response = try await self.clients.ingest.submitFeedback(
                .with {
                    $0.cubeID = cube
                    $0.feedback = feedback
                    $0.memoryIds = ids
                    $0.sessionID = sessionID
                },
                metadata: caller.metadata
            )
            jobs.append((cube, response.jobID))
        }
        guard wait else {
            return ("Feedback queued; task \(jobs.map(\.id).joined(separator: ", ")) applies it", .array([]))
        }
        var records: [JSONValue] = []
        for job in jobs {
            let finished = try await self.awaitJob(job.id, cube: job.cube, caller: caller, limit: .seconds(60))
            var add: [JSONValue] = []
            var update: [JSONValue] = []
            if case .array(let changes)? = finished.result.jsonObject["changes"] {
                for case .object(let change) in changes {
                    if change["action"] == .string("add") {
                        add.append(.object(change))
                    } else {
                        update.append(.object(change))
                    }
                }
            }
            records.append(.object(["record": .object(["add": .array(add), "update": .array(update)])]))
        }
        return ("Memory feedback successfully", .array(records))
    }

    /// The job once it has finished, polled every 100 ms; `deadlineExceeded` after `limit`.
    func awaitJob(_ id: String, cube: String, caller: Caller, limit: Duration) async throws -> Memos_Scheduler_V1_Job {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while true {
            let job = try await self.clients.scheduler.getJob(
                .with {
                    $0.cubeID = cube
                    $0.jobID = id
                },
                metadata: caller.metadata
            )
            switch job.status {
            case .completed, .cancelled, .dead: return job
            default: break
            }
            if ContinuousClock.now >= deadline {
                throw MemOSError(code: .unavailable, message: "the feedback's task \(id) is still running; poll it")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// MemOS's `async_mode`: true for "async", false for "sync" or absent.
    static func asyncMode(_ mode: String?) throws -> Bool {
        switch mode {
        case nil, "sync": false
        case "async": true
        default: throw MemOSError.invalidArgument("async_mode must be \"async\" or \"sync\"")
        }
    }
}
