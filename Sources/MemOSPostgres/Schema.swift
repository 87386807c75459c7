/// The versioned schema: one SQL file per migration in `Sources/MemOSPostgres/Migrations` (NNNN_name.sql),
/// compiled into ``migrations`` by scripts/generate-migrations.py. Each migration runs once, in order, in its own
/// transaction; applied versions are recorded in `schema_migrations` with the SHA-256 of their file, and a
/// database that recorded another checksum for a version stops start-up (``Migrator``). Never edit a published
/// migration: add a new one.
///
/// Every table holding per-cube data has `cube_id` leading its primary key, so the schema can later be
/// distributed by cube.
enum Schema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        /// The SQL file it was generated from.
        var file: String
        /// SHA-256 of the file's bytes, hex.
        var checksum: String
        /// The file's statements, in order.
        var sql: [String]
    }
}
