import Foundation
import GRPCCore
import MemOSCore
import MemOSProto
import MemOSRPC
import SwiftProtobuf

/// The scheduler service: watches and controls the durable job queue in PostgreSQL.
public struct SchedulerService: Memos_Scheduler_V1_SchedulerService.SimpleServiceProtocol {
    let jobs: any JobStore
    let store: any MemoryStore
    let accounts: any AccountStore
    let cubes: any CubeDirectory
    let clock = ContinuousClock()
    let pageTokens: PageTokens

    public init(
        jobs: any JobStore,
        store: any MemoryStore,
        accounts: any AccountStore,
        cubes: any CubeDirectory,
        pageTokens: PageTokens
    ) {
        self.pageTokens = pageTokens
        self.jobs = jobs
        self.store = store
        self.accounts = accounts
        self.cubes = cubes
    }

    /// Queues the work an event calls for: a `query` refreshes the session's working memory; `answer` and
    /// `add` are recorded as completed `event` jobs (reorganisation already follows every write).
    public func submitEvent(
        request: Memos_Scheduler_V1_SubmitEventRequest,
        context: ServerContext
    ) async throws -> Memos_Scheduler_V1_SubmitEventResponse {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        try Validate.optionalText(request.sessionID, field: "session_id", maxBytes: Limits.maxIdentifierBytes)
        try Validate.optionalText(request.content, field: "content", maxBytes: Limits.maxMessageBytes)
        let memoryIDs = request.memoryIds.isEmpty ? [] : try Validate.uuids(request.memoryIds, field: "memory_ids")
        try Validate.optionalText(request.idempotencyKey, field: "idempotency_key", maxBytes: Limits.maxIdentifierBytes)
        let label: String
        switch request.label {
        case .query:
            label = "query"
            try Validate.text(request.content, field: "content", maxBytes: Limits.maxMessageBytes)
        case .answer: label = "answer"
        case .add: label = "add"
        case .unspecified, .UNRECOGNIZED:
            throw MemOSError.invalidArgument("label must be QUERY, ANSWER or ADD")
        }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        let at = request.hasAt ? request.at.date : Date()
        let payload: [String: JSONValue] = [
            "label": .string(label),
            "content": .string(request.content),
            "memory_ids": .array(memoryIDs.map { .string($0.lowercasedString) }),
            "at": .string(at.formatted(.iso8601)),
        ]
        let job = NewJob(
            cubeID: request.cubeID,
            kind: label == "query" ? JobKind.workingMemoryRefresh : JobKind.event,
            payload: payload,
            sessionID: request.sessionID,
            createdBy: principal.userID,
            status: label == "query" ? .waiting : .completed
        )
        // The job commits with the idempotency key: a retried event returns the first job.
        let outcome = try await self.store.add(
            [],
            messages: [],
            cubeID: request.cubeID,
            author: principal.userID,
            idempotency: try IdempotencyKey(request.idempotencyKey, for: request),
            job: job
        )
        guard let id = outcome.receipt.jobID, let queued = try await self.jobs.job(id: id, cubeID: request.cubeID)
        else {
            throw MemOSError(code: .internalError, message: "the event's job was not recorded")
        }
        return .with { $0.job = queued.proto }
    }

    public func getJob(
        request: Memos_Scheduler_V1_GetJobRequest,
        context: ServerContext
    ) async throws
        -> Memos_Scheduler_V1_Job
    {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let id = try Validate.uuid(request.jobID, field: "job_id")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        guard let job = try await self.jobs.job(id: id, cubeID: request.cubeID) else {
            throw MemOSError.notFound("job '\(request.jobID)' does not exist in cube '\(request.cubeID)'")
        }
        return job.proto
    }

    public func listJobs(
        request: Memos_Scheduler_V1_ListJobsRequest,
        context: ServerContext
    ) async throws
        -> Memos_Scheduler_V1_ListJobsResponse
    {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let statuses = try Set(
            request.statuses.enumerated().map { index, status in
                guard let status = JobStatus(status) else {
                    throw MemOSError.invalidArgument("statuses[\(index)] is not a known job status")
                }
                return status
            }
        )
        let pageSize = try PageSize.resolve(request.pageSize, max: Limits.maxPageSize)
        let listing = "jobs/\(request.cubeID)"
        let cursor =
            try await request.pageToken.isEmpty
            ? nil : self.pageTokens.decode(ListCursor.self, from: request.pageToken, listing: listing)
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let page = try await self.jobs.jobs(
            cubeID: request.cubeID,
            statuses: statuses,
            kinds: Set(request.kinds),
            after: cursor,
            limit: pageSize + 1
        )
        let (jobs, last) = ResponseBudget.page(page, pageSize: pageSize, \.proto)
        var response = Memos_Scheduler_V1_ListJobsResponse()
        response.jobs = jobs
        if let last {
            response.nextPageToken = try await self.pageTokens.encode(
                ListCursor(createdAt: last.createdAt, id: last.id),
                listing: listing
            )
        }
        return response
    }

    public func cancelJob(
        request: Memos_Scheduler_V1_CancelJobRequest,
        context: ServerContext
    ) async throws
        -> Memos_Scheduler_V1_Job
    {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        let id = try Validate.uuid(request.jobID, field: "job_id")
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .write)
        guard let job = try await self.jobs.cancel(id: id, cubeID: request.cubeID) else {
            throw MemOSError.notFound("job '\(request.jobID)' does not exist in cube '\(request.cubeID)'")
        }
        return job.proto
    }

    public func waitUntilIdle(
        request: Memos_Scheduler_V1_WaitUntilIdleRequest,
        context: ServerContext
    ) async throws
        -> Memos_Scheduler_V1_WaitUntilIdleResponse
    {
        let principal = try RequestIdentity.require()
        try Validate.cubeID(request.cubeID)
        guard (0...300_000).contains(request.timeoutMs) else {
            throw MemOSError.invalidArgument("timeout_ms must be between 0 and 300000")
        }
        try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
        let timeout = Duration.milliseconds(request.timeoutMs == 0 ? 30_000 : Int(request.timeoutMs))
        let start = self.clock.now
        var pending = try await self.jobs.pendingCount(cubeID: request.cubeID)
        while pending > 0, self.clock.now - start < timeout {
            try await Task.sleep(for: .milliseconds(100))
            pending = try await self.jobs.pendingCount(cubeID: request.cubeID)
        }
        let waited = self.clock.now - start
        return .with {
            $0.idle = pending == 0
            $0.pending = Int64(pending)
            $0.waitedMs = waited.wholeMilliseconds
        }
    }

    /// The whole queue's figures for monitoring; names no cube, so the interceptor lets it through without a key.
    public func getQueueMetrics(
        request: Memos_Scheduler_V1_GetQueueMetricsRequest,
        context: ServerContext
    ) async throws -> Memos_Scheduler_V1_QueueMetrics {
        try await self.jobs.metrics().proto
    }

    public func getStatusSummary(
        request: Memos_Scheduler_V1_GetStatusSummaryRequest,
        context: ServerContext
    )
        async throws -> Memos_Scheduler_V1_StatusSummary
    {
        let principal = try RequestIdentity.require()
        let cubeIDs: [String]
        if request.cubeID.isEmpty {
            cubeIDs = try await self.cubes.cubeIDs(readableBy: principal.userID)
        } else {
            try Validate.cubeID(request.cubeID)
            try await self.accounts.authorize(principal, cubes: [request.cubeID], for: .read)
            cubeIDs = [request.cubeID]
        }
        let counts = try await self.jobs.countsByStatus(cubeIDs: cubeIDs)
        return .with {
            $0.waiting = Int64(counts[.waiting, default: 0])
            $0.inProgress = Int64(counts[.inProgress, default: 0])
            $0.completed = Int64(counts[.completed, default: 0])
            $0.failed = Int64(counts[.failed, default: 0])
            $0.cancelled = Int64(counts[.cancelled, default: 0])
            $0.dead = Int64(counts[.dead, default: 0])
            $0.total = Int64(counts.values.reduce(0, +))
        }
    }
}

extension Job {
    var proto: Memos_Scheduler_V1_Job {
        .with {
            $0.id = self.id.lowercasedString
            $0.cubeID = self.cubeID
            $0.kind = self.kind
            $0.status = self.status.proto
            $0.priority = Int32(self.priority)
            $0.attempts = Int32(self.attempts)
            $0.maxAttempts = Int32(self.maxAttempts)
            $0.lastError = self.lastError
            $0.progress = self.progress
            $0.result = Google_Protobuf_Struct(jsonObject: self.result)
            $0.memoryIds = self.memoryIDs.map { $0.lowercasedString }
            $0.sessionID = self.sessionID
            $0.createdAt = Google_Protobuf_Timestamp(date: self.createdAt)
            $0.updatedAt = Google_Protobuf_Timestamp(date: self.updatedAt)
            $0.runAt = Google_Protobuf_Timestamp(date: self.runAt)
            if let finishedAt = self.finishedAt { $0.finishedAt = Google_Protobuf_Timestamp(date: finishedAt) }
        }
    }
}
