import Foundation

/// A later memory on the same subject replaces an earlier one: "I prefer aisle seats" archives "I prefer window
/// seats", and a tool's schema registered again archives its former schema. The archived memory's history says
/// which memory superseded it (and which job, for an asynchronous add); a restore brings it back.
///
/// The subject of a PreferenceMemory is its `info.topic` together with `info.holder` (the speaker's name, empty for
/// the user: two speakers of one conversation keep their own); that of a ToolSchemaMemory is its `info.tool_name`.
/// The readers fill these in; a memory added directly takes part when its `info` has them.
public enum Supersession {
    /// The memory types that supersede.
    public static let types: Set<MemoryType> = [.preferenceMemory, .toolSchemaMemory]

    /// The field of `info` that names a memory's subject, and its value; nil when it has none.
    static func subject(of memory: Memory) -> (field: String, value: String, holder: String)? {
        let field: String
        switch memory.memoryType {
        case .preferenceMemory: field = "topic"
        case .toolSchemaMemory: field = "tool_name"
        default: return nil
        }
        guard case .string(let value)? = memory.info[field], !value.isEmpty else { return nil }
        if case .string(let holder)? = memory.info["holder"] { return (field, value, holder) }
        return (field, value, "")
    }

    /// Archives the cube's live memories that share a subject with one of `made` (and are not among them); returns
    /// the ids archived. History action `supersede`, its reason naming the new memory.
    @discardableResult
    public static func apply(
        made: [Memory],
        store: any MemoryStore,
        cubeID: String,
        actor: UUID?,
        jobID: UUID? = nil
    ) async throws -> [UUID] {
        let newIDs = Set(made.map(\.id))
        var archived: [UUID] = []
        for memory in made where memory.status == .activated {
            guard let subject = Self.subject(of: memory) else { continue }
            let same = MemoryFilter.condition(
                .init(field: .info(subject.field), op: .eq, value: .string(subject.value))
            )
            let older = try await store.list(
                in: MemoryScope(cubeIDs: [cubeID], memoryTypes: [memory.memoryType], filter: same),
                after: nil,
                limit: 100
            ).filter { candidate in
                !newIDs.contains(candidate.id) && !archived.contains(candidate.id)
                    && Self.subject(of: candidate)?.holder == subject.holder
            }
            guard !older.isEmpty else { continue }
            let revision = Revision(
                action: "supersede",
                actor: actor,
                jobID: jobID,
                reason: "superseded by \(memory.id.lowercasedString) (\(subject.field) \"\(subject.value)\")"
            )
            _ = try await store.revise(ids: older.map(\.id), cubeID: cubeID, revision) { memories in
                memories.map { memory in
                    var memory = memory
                    memory.status = .archived
                    return memory
                }
            }
            archived += older.map(\.id)
        }
        return archived
    }
}
