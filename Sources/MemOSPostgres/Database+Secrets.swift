import Foundation
import MemOSCore
import PostgresNIO

extension Database {
    /// A key every service of the deployment shares, made by the migrations (table `server_secrets`).
    ///
    /// - Throws: `failedPrecondition` when the schema has no such key (migrations not applied).
    public func serverSecret(named name: String) async throws -> [UInt8] {
        let logger = self.logger
        let secret = try await self.withConnection { connection -> [UInt8]? in
            for try await (bytes) in try await connection.query(
                "SELECT secret FROM server_secrets WHERE name = \(name)", logger: logger
            ).decode(ByteBuffer.self) {
                return Array(bytes.readableBytesView)
            }
            return nil
        }
        guard let secret, secret.count >= 16 else {
            throw MemOSError(code: .failedPrecondition, message: "the database holds no '\(name)' key: run `memos migrate`")
        }
        return secret
    }
}
