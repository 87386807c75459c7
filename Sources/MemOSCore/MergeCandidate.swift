import Foundation

/// A memory that is nearly the same as an older one of its cube, and what reorganisation did about it.
public struct MergeCandidate: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// Recorded; nothing done (below the merge threshold, or no decision could be made).
        case pending
        /// The two became one: the newer kept (tags and sources joined), the older archived.
        case merged
        /// The older was contradicted by the newer and archived.
        case retired
        /// Judged distinct facts.
        case dismissed
    }

    public var memoryID: UUID
    public var duplicateOf: UUID
    /// Cosine similarity of their vectors.
    public var similarity: Float
    public var outcome: Outcome

    public init(memoryID: UUID, duplicateOf: UUID, similarity: Float, outcome: Outcome = .pending) {
        self.memoryID = memoryID
        self.duplicateOf = duplicateOf
        self.similarity = similarity
        self.outcome = outcome
    }
}

/// How a change to memories is recorded in their history.
public struct Revision: Sendable, Hashable {
    /// The history action, for example `update`, `merge` or `retire`.
    public var action: String
    public var actor: UUID?
    public var jobID: UUID?
    public var reason: String

    public init(action: String, actor: UUID? = nil, jobID: UUID? = nil, reason: String = "") {
        self.action = action
        self.actor = actor
        self.jobID = jobID
        self.reason = reason
    }
}
