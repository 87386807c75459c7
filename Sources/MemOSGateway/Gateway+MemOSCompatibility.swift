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

/// MemOS-compatible routes under `/product`, with MemOS's field names and its `{code, message, data}` envelope,
/// so that an existing MemOS client keeps working (docs/memos-compatibility.md lists what is honoured).
///
/// Identity still comes from the API key only: a `user_id` or `owner_id` in a body is ignored, and every cube a
/// request names (or falls back to) is checked against the caller's membership. Unknown fields are ignored, as
/// MemOS's clients send many that have no meaning here.
extension Gateway {
    func addMemOSCompatibilityRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/health") { _, _ in
            Self.json(["status": "healthy", "service": "memos", "version": "1.0.1"])
        }
        router.post("/product/add") { request, context in
            await self.product(request, context) { caller in
                let body = try await self.decode(MemOSAddRequest.self, request)
                if body.isFeedback == true { return try await self.memosFeedback(addRequest: body, caller: caller) }
                let queued = try Self.asyncMode(body.asyncMode)
                let cubes = try Self.fanOut(
                    try body.writableCubeIds
                        ?? Self.cubes(body.memCubeId, orUser: body.userId, field: "writable_cube_ids"),
                    field: "writable_cube_ids"
                )
                try await self.accounts.authorize(caller, cubes: cubes, for: .write)
                self.charge(caller, calls: cubes.count)
                let session = body.sessionId ?? "default_session"
                var added: [JSONValue] = []
                var jobs: [String] = []
                let files = try (body.messages ?? []).flatMap(\.files).map { file in
                    guard let bytes = file.bytes else {
                        throw MemOSError.invalidArgument(
                            "a file part's file_data and an image_url part's url must hold the bytes in base64, bare or as a "
                                + "data: URL; this server fetches no URL"
                        )
                    }
                    return (file, bytes)
                }
                let texts = (body.messages ?? []).filter { !$0.content.isEmpty || !$0.toolCalls.isEmpty }
                for cube in cubes {
                    var memories: [Memos_Common_V1_Memory] = []
                    for (file, bytes) in files {
                        let document = try await self.addDocument(
                            bytes,
                            metadata: .with {
                                $0.cubeID = cube
                                $0.name = file.filename.isEmpty ? "file" : file.filename
                                $0.mediaType = file.mediaType
                                $0.sessionID = session
                                $0.tags = body.customTags ?? []
                                if let info = body.info { $0.info = Google_Protobuf_Struct(jsonObject: info) }
                            },
                            caller: caller
                        ).document
                        added.append(
                            .object([
                                "memory": .string(document.name), "memory_id": .string(document.id),
                                "memory_type": .string(MemoryType.rawFileMemory.rawValue), "cube_id": .string(cube),
                                "file_id": .string(document.id),
                            ])
                        )
                    }
                    if !texts.isEmpty {
                        let response = try await self.clients.ingest.addMessages(
                            .with {
                                $0.cubeID = cube
                                $0.sessionID = session
                                $0.messages = texts.map(\.proto)
                                $0.customTags = body.customTags ?? []
                                if let info = body.info { $0.info = Google_Protobuf_Struct(jsonObject: info) }
                                if body.mode == "fine" { $0.mode = .fine }
                                $0.async = queued
                            },
                            metadata: caller.metadata
                        )
                        memories += response.memories
                        if !response.jobID.isEmpty { jobs.append(response.jobID) }
                    }
                    if let content = body.memoryContent, !content.isEmpty {
                        memories += try await self.clients.ingest.addMemories(
                            .with {
                                $0.cubeID = cube
                                $0.sessionID = session
                                $0.items = [
                                    .with {
                                        $0.content = content
                                        $0.tags = body.customTags ?? []
                                        if let info = body.info { $0.info = Google_Protobuf_Struct(jsonObject: info) }
                                    }
                                ]
                            },
                            metadata: caller.metadata
                        ).memories
                    }
                    added += memories.map { memory in
                        .object([
                            "memory": .string(memory.content), "memory_id": .string(memory.id),
                            "memory_type": .string(MemoryType(memory.memoryType)?.rawValue ?? ""),
                            "cube_id": .string(cube),
                        ])
                    }
                }
                if texts.isEmpty, files.isEmpty, body.memoryContent?.isEmpty ?? true {
                    throw MemOSError.invalidArgument("messages is required (or the deprecated memory_content)")
                }
                let message =
                    queued
                    ? "Memory add queued; task \(jobs.joined(separator: ", ")) makes the memories"
                    : "Memory added successfully"
                return (message, .array(added))
            }
        }
        router.post("/product/search") { request, context in
            await self.product(request, context, message: "Search completed successfully") { caller in
                let body = try await self.decode(MemOSSearchRequest.self, request)
                let cubes = try Self.fanOut(
                    try body.readableCubeIds
                        ?? Self.cubes(body.memCubeId, orUser: body.userId, field: "readable_cube_ids"),
                    field: "readable_cube_ids"
                )
                try await self.accounts.authorize(caller, cubes: cubes, for: .read)
                let response = try await self.clients.retrieval.search(
                    .with {
                        $0.cubeIds = cubes
                        $0.query = body.query ?? ""
                        $0.topK = Int32(clamping: body.topK ?? Limits.defaultTopK)
                        if let relativity = body.relativity { $0.relativity = Float(relativity) }
                        $0.sessionID = body.sessionId ?? ""
                        switch body.dedup {
                        case "no": $0.dedup = .none
                        case "sim": $0.dedup = .exact
                        default: $0.dedup = .mmr
                        }
                        if let filter = body.filter { $0.filter = try MemOSFilter.proto(filter) }
                        if let type = body.searchMemoryType, type != "All" {
                            if let memoryType = MemoryType(rawValue: type) { $0.memoryTypes = [memoryType.proto] }
                        }
                        // MemOS's defaults: six preferences and six tool memories, each in its own bucket.
                        if body.includePreference ?? true {
                            $0.preferenceTopK = Int32(clamping: min(max(body.prefTopK ?? 6, 0), Limits.maxTopK))
                        }
                        if body.searchToolMemory ?? true {
                            $0.toolTopK = Int32(clamping: min(max(body.toolMemTopK ?? 6, 0), Limits.maxTopK))
                        }
                    } as Memos_Retrieval_V1_SearchRequest,
                    metadata: caller.metadata
                )
                // As in MemOS, preferences and tool memories appear only when asked for, in their own buckets.
                var hidden: Set<Memos_Common_V1_MemoryType> = []
                if !(body.includePreference ?? true) { hidden.insert(.preferenceMemory) }
                if !(body.searchToolMemory ?? true) { hidden.formUnion([.toolSchemaMemory, .toolTrajectoryMemory]) }
                let hits = (response.hits + response.preferences + response.toolMemories).filter {
                    !hidden.contains($0.memory.memoryType)
                }
                return Self.memosBuckets(
                    cubes: cubes,
                    hits.map { ($0.memory, $0.score) },
                    extra: [
                        "act_mem": .array([]), "para_mem": .array([]),
                        "pref_note": .string(response.preferenceNote),
                    ]
                )
            }
        }
        router.post("/product/get_memory") { request, context in
            await self.product(request, context, message: "Memories retrieved successfully") { caller in
                let body = try await self.decode(MemOSGetMemoryRequest.self, request)
                let cube = try Self.cubes(body.memCubeId, orUser: nil, field: "mem_cube_id")[0]
                try await self.accounts.authorize(caller, cubes: [cube], for: .read)
                let pageSize = body.pageSize ?? Limits.maxPageSize
                guard (1...Limits.maxPageSize).contains(pageSize) else {
                    throw MemOSError.invalidArgument("page_size must be between 1 and \(Limits.maxPageSize)")
                }
                let wanted = body.page ?? 1
                // Divided, not multiplied: a huge page must not overflow.
                guard wanted >= 1, wanted <= Limits.maxMemOSPageWindow / pageSize else {
                    throw MemOSError.invalidArgument(
                        "page must be at least 1 and page × page_size at most \(Limits.maxMemOSPageWindow); "
                            + "page through larger cubes with GET /v1/cubes/{cube_id}/memories and its page_token"
                    )
                }
                // Pages of the listing end early at the response size limit, so MemOS's numbered pages are cut
                // from the listing here rather than mapped onto its pages one to one.
                let skip = (wanted - 1) * pageSize
                var memories: [Memos_Common_V1_Memory] = []
                var token = ""
                var calls = 0
                repeat {
                    let response = try await self.clients.retrieval.listMemories(
                        .with {
                            $0.cubeID = cube
                            $0.pageSize = Int32(clamping: min(Limits.maxPageSize, skip + pageSize - memories.count))
                            $0.pageToken = token
                        },
                        metadata: caller.metadata
                    )
                    calls += 1
                    memories += response.memories
                    token = response.nextPageToken
                } while !token.isEmpty && memories.count < skip + pageSize
                self.charge(caller, calls: calls)
                return Self.memosBuckets(cubes: [cube], memories.dropFirst(skip).prefix(pageSize).map { ($0, nil) })
            }
        }
        router.post("/product/get_all") { request, context in
            await self.product(request, context, message: "Memories retrieved successfully") { caller in
                let body = try await self.decode(MemOSGetAllRequest.self, request)
                switch body.memoryType {
                case "text_mem": break
                case "act_mem", "param_mem", "para_mem": return .array([])
                default:
                    throw MemOSError.invalidArgument("memory_type must be text_mem, act_mem, param_mem or para_mem")
                }
                // Each cube once, and at most as many as a search may name: every cube costs a call.
                var cubes = try Self.fanOut(body.memCubeIds ?? [], field: "mem_cube_ids", min: 0)
                if cubes.isEmpty { cubes = try await self.accounts.cubes(caller).map(\.cubeID) }
                try await self.accounts.authorize(caller, cubes: cubes, for: .read)
                self.charge(caller, calls: cubes.count)
                var result: [JSONValue] = []
                for cube in cubes {
                    let memories: [Memos_Common_V1_Memory]
                    if let query = body.searchQuery, !query.isEmpty {
                        memories = try await self.clients.retrieval.search(
                            .with {
                                $0.cubeIds = [cube]
                                $0.query = query
                                $0.topK = Int32(Limits.maxTopK)
                                $0.relativity = 0
                            },
                            metadata: caller.metadata
                        ).hits.map(\.memory)
                    } else {
                        memories = try await self.clients.retrieval.listMemories(
                            .with {
                                $0.cubeID = cube
                                $0.pageSize = 200
                            },
                            metadata: caller.metadata
                        ).memories
                    }
                    result.append(
                        .object([
                            "cube_id": .string(cube), "memories": .array(memories.map { Self.memosItem($0) }),
                            "memory_statistics": .object(["total": .number(Double(memories.count))]),
                        ])
                    )
                }
                return .array(result)
            }
        }
        router.get("/product/get_memory/:memory_id") { request, context in
            await self.product(request, context, message: "Memory retrieved successfully") { caller in
                let id = try Self.parameter("memory_id", context)
                guard let memory = try await self.memories([id], caller).first else {
                    throw MemOSError.notFound("memory '\(id.prefix(64))' not found")
                }
                return Self.memosItem(memory)
            }
        }
        router.post("/product/get_memory_by_ids") { request, context in
            await self.product(request, context, message: "Memories retrieved successfully") { caller in
                let data = try await self.body(of: request)
                let ids: [String]
                if let list = try? JSONDecoder().decode([String].self, from: data) {
                    ids = list
                } else if let object = try? JSONDecoder().decode([String: [String]].self, from: data),
                    let list = object["memory_ids"]
                {
                    ids = list
                } else {
                    throw MemOSError.invalidArgument("the body must be a JSON list of memory ids")
                }
                try Validate.count(ids.count, field: "memory ids", min: 1, max: Limits.maxIDsPerRequest)
                return .object(["memories": .array(try await self.memories(ids, caller).map { Self.memosItem($0) })])
            }
        }
        router.post("/product/delete_memory") { request, context in
            await self.product(request, context, message: "Memories deleted successfully") { caller in
                let body = try await self.decode(MemOSDeleteRequest.self, request)
                var named: [String] = body.writableCubeIds ?? body.memCubeId.map { [$0] } ?? []
                if let fileIDs = body.fileIds, !fileIDs.isEmpty {
                    return try await self.deleteFiles(fileIDs, cubes: named, caller: caller)
                }
                let selector: Memos_Ingest_V1_DeleteMemoriesRequest.OneOf_Selector
                if let ids = body.memoryIds, !ids.isEmpty {
                    selector = .ids(.with { $0.ids = ids })
                    if named.isEmpty {
                        named = try await self.accounts.cubes(caller).filter {
                            $0.role?.canWrite == true
                        }.map(\.cubeID)
                    }
                } else if let filter = body.filter {
                    selector = .filter(try MemOSFilter.proto(filter))
                } else if let session = body.sessionId, !session.isEmpty {
                    selector = .sessionID(session)
                } else {
                    throw MemOSError.invalidArgument("name what to delete: memory_ids, filter or session_id")
                }
                if named.isEmpty {
                    throw MemOSError.invalidArgument("writable_cube_ids is required with a filter or session_id")
                }
                named = try Self.fanOut(named, field: "writable_cube_ids")
                try await self.accounts.authorize(caller, cubes: named, for: .write)
                self.charge(caller, calls: named.count)
                var deleted: Int64 = 0
                for cube in named {
                    deleted += try await self.clients.ingest.deleteMemories(
                        .with {
                            $0.cubeID = cube
                            $0.selector = selector
                        },
                        metadata: caller.metadata
                    ).deletedCount
                }
                return .object(["status": .string("success"), "deleted_count": .number(Double(deleted))])
            }
        }
        router.post("/product/create_cube") { request, context in
            await self.product(request, context, message: "Cube created successfully") { caller in
                let body = try await self.decode(MemOSCreateCubeRequest.self, request)
                let cubeID = body.cubeId ?? UUID.random().lowercasedString
                try Validate.cubeID(cubeID)
                let name = body.cubeName ?? cubeID
                try Validate.optionalText(name, field: "cube_name", maxBytes: Limits.maxDisplayNameBytes)
                let cube = try await self.accounts.client.createCube(
                    .with {
                        $0.cubeID = cubeID
                        $0.name = name
                    },
                    metadata: caller.metadata
                )
                return .object([
                    "cube_id": .string(cubeID), "cube_name": .string(name), "owner_id": .string(cube.ownerName),
                ])
            }
        }
        router.post("/product/exist_mem_cube_id") { request, context in
            await self.product(request, context, message: "Cube existence checked") { caller in
                let body = try await self.decode(MemOSCubeIDRequest.self, request)
                let cubeID = try Self.cubes(body.memCubeId, orUser: nil, field: "mem_cube_id")[0]
                try Validate.cubeID(cubeID, field: "mem_cube_id")
                let exists: Bool
                do {
                    _ = try await self.accounts.client.getCube(.with { $0.cubeID = cubeID }, metadata: caller.metadata)
                    exists = true
                } catch let error as RPCError where error.code == .notFound || error.code == .permissionDenied {
                    exists = false
                }
                return .object([cubeID: .bool(exists)])
            }
        }
        router.get("/product/scheduler/allstatus") { request, context in
            await self.product(request, context, message: "Scheduler status retrieved") { caller in
                let summary = try await self.clients.scheduler.getStatusSummary(.init(), metadata: caller.metadata)
                let tasks: JSONValue = .object(
                    [
                        "waiting": summary.waiting, "in_progress": summary.inProgress, "pending": summary.waiting,
                        "completed": summary.completed, "failed": summary.failed + summary.dead,
                        "cancelled": summary.cancelled, "total": summary.total,
                    ].mapValues { .number(Double($0)) }
                )
                return .object(["scheduler_summary": tasks, "all_tasks_summary": tasks])
            }
        }
        router.get("/product/scheduler/status") { request, context in
            await self.product(request, context, message: "Task status retrieved") { caller in
                let taskID = request.uri.queryParameters["task_id"].map(String.init)
                var tasks: [JSONValue] = []
                let cubes = try await self.accounts.cubes(caller)
                self.charge(caller, calls: cubes.count)
                for cube in cubes {
                    let jobs = try await self.clients.scheduler.listJobs(
                        .with { $0.cubeID = cube.cubeID },
                        metadata: caller.metadata
                    ).jobs
                    for job in jobs where taskID == nil || job.id == taskID {
                        tasks.append(
                            .object(["task_id": .string(job.id), "status": .string(Self.memosStatus(job.status))])
                        )
                    }
                }
                return .array(tasks)
            }
        }
        router.post("/product/scheduler/wait") { request, context in
            await self.product(request, context) { caller in
                let timeout = Double(request.uri.queryParameters["timeout_seconds"].map(String.init) ?? "") ?? 120
                guard timeout.isFinite, timeout >= 0 else {
                    throw MemOSError.invalidArgument("timeout_seconds must be a number >= 0")
                }
                let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(min(timeout, 300) * 1000)))
                let start = ContinuousClock.now
                var running: Int64 = 0
                let cubes = try await self.accounts.cubes(caller)
                self.charge(caller, calls: cubes.count)
                for cube in cubes {
                    let left = ContinuousClock.now.duration(to: deadline)
                    let milliseconds = max(0, left.wholeMilliseconds)
                    running += try await self.clients.scheduler.waitUntilIdle(
                        .with {
                            $0.cubeID = cube.cubeID
                            $0.timeoutMs = Int32(clamping: max(milliseconds, 1))
                        },
                        metadata: caller.metadata
                    ).pending
                }
                let waited = start.duration(to: .now)
                return (
                    running > 0 ? "timeout" : "idle",
                    .object([
                        "running_tasks": .number(Double(running)),
                        "waited_seconds": .number(
                            Double(waited.components.seconds) + Double(waited.components.attoseconds) * 1e-18
                        ),
                        "timed_out": .bool(running > 0),
                        "user_name": .string(caller.principal.userName),
                    ])
                )
            }
        }
    }

    // MARK: Handling

    /// Takes the caller's key, runs `body`, and answers `{code: 200, message, data}`.
    func product(
        _ request: Request,
        _ context: GatewayRequestContext,
        message: String,
        _ body: (Caller) async throws -> JSONValue
    ) async -> Response {
        await self.product(request, context) { (message, try await body($0)) }
    }

    /// Takes the caller's key, runs `body`, and answers `{code: 200, message, data}` with the message and data it returns;
    /// errors keep their HTTP status, with the status as `code`, the error's message, and `data` null.
    func product(
        _ request: Request,
        _ context: GatewayRequestContext,
        _ body: (Caller) async throws -> (message: String, data: JSONValue)
    ) async -> Response {
        do {
            let reply = try await body(try await self.caller(request, context))
            return try Self.encoded(MemOSEnvelope(code: 200, message: reply.message, data: reply.data))
        } catch {
            return self.memosErrorResponse(error, logger: context.logger)
        }
    }

    /// An error in MemOS's envelope, with its HTTP status.
    func memosErrorResponse(_ error: any Error, logger: Logger) -> Response {
        let failure = self.failure(error, logger: logger)
        let envelope = MemOSEnvelope(code: Int(failure.status.code), message: failure.message, data: .null)
        var response = (try? Self.encoded(envelope, status: failure.status)) ?? Response(status: failure.status)
        if let seconds = failure.retryAfterSeconds { response.headers[.retryAfter] = "\(seconds)" }
        return response
    }

    func decode<Body: Decodable>(_ type: Body.Type, _ request: Request) async throws -> Body {
        let data = try await self.body(of: request)
        try checkJSONSyntax(data)
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Body.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw MemOSError.invalidArgument("\(field) has the wrong type: \(context.debugDescription)")
        } catch {
            throw MemOSError.invalidArgument("the request body does not fit: \(error)")
        }
    }

    /// The cubes a request names, or MemOS's fallback: the cube named like the user.
    static func cubes(_ cubeID: String?, orUser userID: String?, field: String) throws -> [String] {
        guard let cube = cubeID ?? userID, !cube.isEmpty else {
            throw MemOSError.invalidArgument("\(field) is required")
        }
        return [cube]
    }

    /// The memories with these ids in any cube the caller may read.
    /// The memories with these ids in any cube the caller belongs to; each call's response stays under the size
    /// limit, so ids a response left out are asked for again. Every call counts against the caller's rate limit.
    /// MemOS's `delete_memory` by `file_ids`: each document (and its memories) in the named cubes, or in every cube
    /// the caller may write; ids found in none of them are left alone.
    func deleteFiles(_ fileIDs: [String], cubes named: [String], caller: Caller) async throws -> JSONValue {
        try Validate.count(fileIDs.count, field: "file_ids", max: Limits.maxIDsPerRequest)
        _ = try Validate.uuids(fileIDs, field: "file_ids")
        var cubes = named
        if cubes.isEmpty {
            cubes = try await self.accounts.cubes(caller).filter { $0.role?.canWrite == true }.map(\.cubeID)
        }
        cubes = try Self.fanOut(cubes, field: "writable_cube_ids")
        try await self.accounts.authorize(caller, cubes: cubes, for: .write)
        self.charge(caller, calls: cubes.count * fileIDs.count)
        var deleted: Int64 = 0
        for cube in cubes {
            for id in fileIDs {
                do {
                    deleted += try await self.clients.ingest.deleteDocument(
                        .with {
                            $0.cubeID = cube
                            $0.documentID = id
                        },
                        metadata: caller.metadata
                    ).deletedMemoryCount
                } catch let error as RPCError where error.code == .notFound {
                    continue
                }
            }
        }
        return .object(["status": .string("success"), "deleted_count": .number(Double(deleted))])
    }

    func memories(_ ids: [String], _ caller: Caller) async throws -> [Memos_Common_V1_Memory] {
        var found: [Memos_Common_V1_Memory] = []
        var wanted = Self.distinct(ids)
        var calls = 0
        defer { self.charge(caller, calls: calls) }
        for cube in try await self.accounts.cubes(caller) where !wanted.isEmpty {
            var asked = wanted
            var missing: [String] = []
            while !asked.isEmpty {
                let response = try await self.clients.retrieval.getMemories(
                    .with {
                        $0.cubeID = cube.cubeID
                        $0.memoryIds = asked
                    },
                    metadata: caller.metadata
                )
                calls += 1
                found += response.memories
                missing += response.missingIds
                // At least one memory fits in every response, so this ends.
                asked = response.memories.isEmpty ? [] : response.omittedIds
            }
            wanted = missing
        }
        return found
    }

    /// The cubes a request fans out to: each once, and at most as many as a search may name.
    static func fanOut(_ cubes: [String], field: String, min: Int = 1) throws -> [String] {
        let distinct = Self.distinct(cubes)
        try Validate.count(distinct.count, field: field, min: min, max: Limits.maxCubesPerSearch)
        return distinct
    }

    /// Each element once, in first-seen order.
    static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    /// Counts the calls a request fanned out into against the caller's rate limit (the request itself paid for one).
    func charge(_ caller: Caller, calls: Int) {
        guard calls > 1 else { return }
        self.rateLimiter?.charge(caller.key, tokens: Double(calls - 1), now: self.configuration.now())
    }

    // MARK: MemOS shapes

    /// A memory as MemOS's `format_memory_item` shows it.
    static func memosItem(_ memory: Memos_Common_V1_Memory, relativity: Float? = nil) -> JSONValue {
        let refID = "[\(memory.id.split(separator: "-").first ?? "")]"
        func time(_ timestamp: Google_Protobuf_Timestamp) -> JSONValue {
            .string(timestamp.date.formatted(.iso8601))
        }
        var metadata: [String: JSONValue] = [
            "id": .string(memory.id), "memory": .string(memory.content), "ref_id": .string(refID),
            "user_id": .string(memory.authorUserID), "session_id": .string(memory.sessionID),
            "status": .string(MemoryStatus(memory.status)?.rawValue ?? "activated"), "key": .string(memory.key),
            "tags": .array(memory.tags.map(JSONValue.string)),
            "memory_type": .string(MemoryType(memory.memoryType)?.rawValue ?? ""),
            "confidence": .number(Double(memory.confidence)), "info": .object(memory.info.jsonObject),
            "sources": .array(
                memory.sources.compactMap { source in
                    (try? source.jsonUTF8Data(options: Self.jsonEncoding)).flatMap {
                        try? JSONDecoder().decode(JSONValue.self, from: $0)
                    }
                }
            ),
            "created_at": time(memory.createdAt), "updated_at": time(memory.updatedAt),
            "cube_id": .string(memory.cubeID), "version": .number(Double(memory.version)),
            "embedding": .array([]), "usage": .array([]),
        ]
        if let relativity { metadata["relativity"] = .number(Double(relativity)) }
        return .object([
            "id": .string(memory.id), "memory": .string(memory.content), "ref_id": .string(refID),
            "metadata": .object(metadata),
        ])
    }

    /// Memories sorted into MemOS's buckets (`text_mem`, `pref_mem`, `tool_mem`, `skill_mem`), each a list of
    /// `{cube_id, memories, total_nodes}` per cube.
    static func memosBuckets(
        cubes: [String],
        _ memories: [(Memos_Common_V1_Memory, Float?)],
        extra: [String: JSONValue] = [:]
    ) -> JSONValue {
        func bucket(_ type: Memos_Common_V1_MemoryType) -> String {
            switch type {
            case .preferenceMemory: "pref_mem"
            case .toolSchemaMemory, .toolTrajectoryMemory: "tool_mem"
            case .skillMemory: "skill_mem"
            default: "text_mem"
            }
        }
        var result = extra
        for name in ["text_mem", "pref_mem", "tool_mem", "skill_mem"] {
            result[name] = .array(
                cubes.map { cube in
                    let items = memories.filter { $0.0.cubeID == cube && bucket($0.0.memoryType) == name }
                        .map { Self.memosItem($0.0, relativity: $0.1) }
                    return .object([
                        "cube_id": .string(cube), "memories": .array(items),
                        "total_nodes": .number(Double(items.count)),
                    ])
                }
            )
        }
        return .object(result)
    }

    static func memosStatus(_ status: Memos_Scheduler_V1_JobStatus) -> String {
        switch status {
        case .waiting: "waiting"
        case .inProgress: "in_progress"
        case .completed: "completed"
        case .cancelled: "cancelled"
        default: "failed"
        }
    }
}

/// MemOS's `BaseResponse`.
struct MemOSEnvelope: Encodable {
    var code: Int
    var message: String
    var data: JSONValue
}
