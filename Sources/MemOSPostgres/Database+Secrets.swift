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
            try await connection.rows("SELECT secret FROM server_secrets WHERE name = \(name)", logger: logger)
                .first.map { Array(try $0["secret"].decode(ByteBuffer.self).readableBytesView) }
        }
        guard let secret, secret.count >= 16 else {
            throw MemOSError(
                code: .failedPrecondition,
                message: "the database holds no '\(name)' key: run `memos migrate`"
            )
        }
        return secret
    }
}
