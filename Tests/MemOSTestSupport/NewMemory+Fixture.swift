import MemOSCore

extension NewMemory {
    /// A long-term memory with this content, model "m" and a one-dimensional vector.
    static func fixture(_ content: String) -> NewMemory {
        NewMemory(
            sessionID: "",
            memoryType: .longTermMemory,
            key: "",
            content: content,
            tags: [],
            info: [:],
            sources: [],
            confidence: 1,
            embeddingModel: "m",
            embedding: [1]
        )
    }
}
