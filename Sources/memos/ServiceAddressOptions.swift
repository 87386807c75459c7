import ArgumentParser
import MemOSGateway
import MemOSServer

/// Where the services are, for the processes that reach them all over gRPC (the gateway, the MCP server).
struct ServiceAddressOptions: ParsableArguments {
    @Option(help: "Ingest service host:port (env MEMOS_INGEST_ADDR; default 127.0.0.1:50051).")
    var ingestAddr: String?
    @Option(help: "Retrieval service host:port (env MEMOS_RETRIEVAL_ADDR; default 127.0.0.1:50052).")
    var retrievalAddr: String?
    @Option(help: "Scheduler service host:port (env MEMOS_SCHEDULER_ADDR; default 127.0.0.1:50053).")
    var schedulerAddr: String?
    @Option(
        help: "Accounts service host:port (env MEMOS_ACCOUNTS_ADDR; default the scheduler's, which hosts it)."
    )
    var accountsAddr: String?

    /// The flags as settings, for ``CommonOptions/validateSettings(_:flags:logger:)``.
    var flags: [String: String?] {
        [
            "MEMOS_INGEST_ADDR": self.ingestAddr, "MEMOS_RETRIEVAL_ADDR": self.retrievalAddr,
            "MEMOS_SCHEDULER_ADDR": self.schedulerAddr, "MEMOS_ACCOUNTS_ADDR": self.accountsAddr,
        ]
    }

    /// gRPC clients of the four services, over TLS when `MEMOS_TLS_*` say so.
    func clients() throws -> ServiceClients {
        func address(_ flag: String?, _ variable: String, _ port: Int) throws -> ServiceClients.Address {
            let text = flag ?? Environment.string(variable) ?? "127.0.0.1:\(port)"
            guard let address = ServiceClients.Address(text) else {
                throw ValidationError("\(variable) must be host:port, not '\(text)'")
            }
            return address
        }
        return try ServiceClients(
            ingest: try address(self.ingestAddr, "MEMOS_INGEST_ADDR", DefaultPort.ingest),
            retrieval: try address(self.retrievalAddr, "MEMOS_RETRIEVAL_ADDR", DefaultPort.retrieval),
            scheduler: try address(self.schedulerAddr, "MEMOS_SCHEDULER_ADDR", DefaultPort.scheduler),
            accounts: try (self.accountsAddr ?? Environment.string("MEMOS_ACCOUNTS_ADDR")).map {
                try address($0, "MEMOS_ACCOUNTS_ADDR", DefaultPort.scheduler)
            },
            tls: try Environment.settings.tlsFiles()
        )
    }
}
