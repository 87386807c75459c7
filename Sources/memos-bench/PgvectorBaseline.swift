import Foundation
import Logging
import MemOSPostgres
import PostgresNIO

/// pgvector's HNSW index over the search benchmark's vectors, in a scratch database of a PostgreSQL with pgvector
/// (scripts/pgvector-server.sh starts one from PyPI's pgserver): build time, query latency at concurrency 1 with
/// the query's vector given (embedding excluded), and recall@10 against pgvector's own exact answer. For the
/// benchmark only: the product never uses pgvector.
struct PgvectorBaseline: Sendable {
    let database: Database

    /// pgvector's defaults (as of 0.6): m 16, ef_construction 64, ef_search 40; ef_search is also measured at 96,
    /// what our own graph uses (`HNSWGraph.efSearch`).
    static let m = 16
    static let efConstruction = 64
    static let efSearches = [40, 96]
    static let indexDescription =
        "HNSW (m=\(PgvectorBaseline.m), ef_construction=\(PgvectorBaseline.efConstruction), vector_cosine_ops)"
    /// Enough for pgvector to build a graph of a million 384-d vectors in memory.
    static let maintenanceWorkMem = "3GB"

    /// Runs `body` with a baseline over a fresh database of the server at `url` (dropped afterwards) holding an
    /// empty table `items (cube_id, id, embedding vector(dimension))`, or with nil when there is no `url`.
    static func with<T: Sendable>(
        url: String?,
        dimension: Int,
        _ body: (PgvectorBaseline?) async throws -> T
    ) async throws -> T {
        guard let url else { return try await body(nil) }
        let logger = BenchStack.logger
        return try await BenchStack.withScratchDatabase(server: try DatabaseConfiguration(url: url), logger: logger) {
            configuration in
            try await Database.withPool(configuration, logger: logger) { database in
                try await database.client.query("CREATE EXTENSION IF NOT EXISTS vector", logger: logger)
                try await database.client.query(
                    "CREATE TABLE items (cube_id text NOT NULL, id uuid PRIMARY KEY, embedding vector(\(unescaped: String(dimension))) NOT NULL)",
                    logger: logger
                )
                return try await body(PgvectorBaseline(database: database))
            }
        }
    }

    /// Adds rows; `vectors` are PostgreSQL array literals (`{0.1,...}`), as the memories' bulk load makes them.
    func insert(ids: [UUID], cubes: [String], vectors: [String]) async throws {
        try await self.database.client.query(
            """
            INSERT INTO items (cube_id, id, embedding)
            SELECT c, i, e::real[]::vector FROM unnest(\(cubes)::text[], \(ids)::uuid[], \(vectors)::text[]) AS u(c, i, e)
            """,
            logger: BenchStack.logger
        )
    }

    /// Builds the HNSW index (and first, for many cubes, a B-tree on the cube, as a multi-tenant table would
    /// have); the seconds the HNSW index took.
    func buildIndex(byCube: Bool) async throws -> Double {
        let logger = BenchStack.logger
        return try await self.database.client.withConnection { connection in
            if byCube { try await connection.query("CREATE INDEX items_cube ON items (cube_id)", logger: logger) }
            try await connection.query(
                "SET maintenance_work_mem = '\(unescaped: Self.maintenanceWorkMem)'",
                logger: logger
            )
            let clock = ContinuousClock()
            let start = clock.now
            try await connection.query(
                """
                CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_cosine_ops)
                WITH (m = \(unescaped: String(Self.m)), ef_construction = \(unescaped: String(Self.efConstruction)))
                """,
                logger: logger
            )
            let seconds = SearchBench.seconds(clock.now - start)
            try await connection.query("ANALYZE items", logger: logger)
            return seconds
        }
    }

    /// Latency at concurrency 1 and recall@10 of the top 10 of each vector in its target cube, per ef_search.
    func measure(_ data: String, _ vectors: [[Float]], targets: [String]) async throws -> [SearchBench.Row] {
        let logger = BenchStack.logger
        let queries = zip(vectors, targets).map { vector, cube in
            (vector: "[" + vector.map { String($0) }.joined(separator: ",") + "]", cube: cube)
        }
        return try await self.database.client.withConnection { connection in
            // pgvector's exact answer: the same query with index scans off (a sequential scan, or a bitmap scan
            // of the cube's rows).
            try await connection.query("SET enable_indexscan = off", logger: logger)
            var exact: [Set<UUID>] = []
            for query in queries {
                exact.append(Set(try await Self.top10(query.vector, cube: query.cube, on: connection)))
            }
            try await connection.query("RESET enable_indexscan", logger: logger)
            let plan =
                try await Self.usesGraph(queries[0].vector, cube: queries[0].cube, on: connection)
                ? "pgvector HNSW" : "pgvector (planner chose the cube's B-tree, an exact scan)"
            var rows: [SearchBench.Row] = []
            for ef in Self.efSearches {
                try await connection.query("SET hnsw.ef_search = \(unescaped: String(ef))", logger: logger)
                for query in queries.prefix(20) {
                    _ = try await Self.top10(query.vector, cube: query.cube, on: connection)
                }
                let clock = ContinuousClock()
                let start = clock.now
                var latencies: [Double] = []
                var found = 0
                for (index, query) in queries.enumerated() {
                    let begin = clock.now
                    let hits = try await Self.top10(query.vector, cube: query.cube, on: connection)
                    latencies.append(SearchBench.milliseconds(clock.now - begin))
                    found += hits.filter(exact[index].contains).count
                }
                rows.append(
                    SearchBench.figures(
                        data,
                        "\(plan), ef_search=\(ef), embedding excluded, c=1",
                        latencies,
                        wall: SearchBench.seconds(clock.now - start)
                    )
                )
                rows.append(
                    .figure(
                        data,
                        "pgvector recall@10 against its exact scan, ef_search=\(ef)",
                        Double(found) / Double(10 * queries.count),
                        ""
                    )
                )
            }
            return rows
        }
    }

    /// The ids of the 10 rows of `cube` nearest to `vector` (a pgvector literal) by cosine distance.
    static func top10(_ vector: String, cube: String, on connection: PostgresConnection) async throws -> [UUID] {
        let rows = try await connection.query(Self.nearest(vector, cube: cube), logger: BenchStack.logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// True when PostgreSQL's plan for ``top10(_:cube:on:)`` walks the HNSW index.
    static func usesGraph(_ vector: String, cube: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            Self.nearest(vector, cube: cube, explain: true),
            logger: BenchStack.logger
        )
        var plan = ""
        for try await line in rows.decode(String.self) { plan += line + "\n" }
        return plan.contains("items_hnsw")
    }

    /// The query for the 10 nearest rows (or its plan).
    static func nearest(_ vector: String, cube: String, explain: Bool = false) -> PostgresQuery {
        "\(unescaped: explain ? "EXPLAIN " : "")SELECT id FROM items WHERE cube_id = \(cube) ORDER BY embedding <=> \(vector)::vector LIMIT 10"
    }
}
