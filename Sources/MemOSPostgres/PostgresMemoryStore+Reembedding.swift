import Foundation
import Logging
import MemOSCore
import PostgresNIO

extension PostgresMemoryStore: ReembeddingStore {
    public func cubesNeedingReembedding(model: String) async throws -> [String] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                "SELECT DISTINCT cube_id FROM memories WHERE status <> 'deleted' AND embedding_model <> \(model)",
                logger: logger
            ).map { try $0["cube_id"].decode(String.self) }
        }
    }

    public func reembeddingProgress(cubeID: String, model: String) async throws -> (staged: Int, remaining: Int) {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            let row = try await connection.rows(
                """
                SELECT count(*) FILTER (WHERE next_embedding_model = \(model)) AS staged,
                       count(*) FILTER (WHERE next_embedding_model IS DISTINCT FROM \(model)) AS remaining
                FROM memories WHERE cube_id = \(cubeID) AND status <> 'deleted' AND embedding_model <> \(model)
                """,
                logger: logger
            )[0]
            return (Int(try row["staged"].decode(Int64.self)), Int(try row["remaining"].decode(Int64.self)))
        }
    }

    public func textsToReembed(cubeID: String, model: String, limit: Int) async throws -> [(id: UUID, text: String)] {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                SELECT id, content FROM memories
                WHERE cube_id = \(cubeID) AND status <> 'deleted' AND embedding_model <> \(model)
                    AND next_embedding_model IS DISTINCT FROM \(model)
                ORDER BY id LIMIT \(limit)
                """,
                logger: logger
            ).map { (try $0["id"].decode(UUID.self), try $0["content"].decode(String.self)) }
        }
    }

    public func stageEmbeddings(_ vectors: [(id: UUID, embedding: [Float])], cubeID: String, model: String) async throws
    {
        guard let dimension = vectors.first?.embedding.count else { return }
        let logger = self.database.logger
        let query = PostgresQuery(
            unsafeSQL: """
                UPDATE memories m SET next_embedding = substring($3::bytea FROM ((u.ord - 1) * $4 * 4 + 1)::int FOR $4 * 4), next_embedding_model = $5
                FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, ord)
                WHERE m.cube_id = $1 AND m.id = u.id
                """,
            binds: try Self.bindings(
                cubeID,
                vectors.map(\.id),
                PackedFloats(values: vectors.flatMap(\.embedding)),
                Int32(dimension),
                model
            )
        )
        // Staging takes no change sequence number (see migration 5): searches go on with the live vectors.
        try await self.database.withConnection { connection in
            _ = try await connection.query(query, logger: logger)
        }
    }

    public func switchEmbeddings(cubeID: String, model: String) async throws -> Int {
        let logger = self.database.logger
        return try await self.database.withConnection { connection in
            try await connection.rows(
                """
                UPDATE memories SET embedding = next_embedding, embedding_model = next_embedding_model,
                    next_embedding = NULL, next_embedding_model = NULL
                WHERE cube_id = \(cubeID) AND next_embedding_model = \(model) AND embedding_model <> \(model)
                RETURNING 1
                """,
                logger: logger
            ).count
        }
    }
}
