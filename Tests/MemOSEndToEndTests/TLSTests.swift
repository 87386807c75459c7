import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import HTTPTypes
import MemOSCore
import MemOSPostgres
import MemOSProto
import MemOSRPC
import MemOSServer
import SwiftProtobuf
import Testing

@testable import MemOSTestSupport

/// Certificates made for a test with openssl: a CA, a server certificate it signed for localhost and 127.0.0.1,
/// a client certificate it signed, and another CA that signed nothing here.
struct TestCertificates {
    let folder: URL
    var path: (String) -> String { { self.folder.appendingPathComponent($0).path } }

    init() throws {
        self.folder = FileManager.default.temporaryDirectory.appendingPathComponent("memos-tls-\(UUID())")
        try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
        try self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=memos test CA",
        ])
        try self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=another CA",
        ])
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
            to: self.folder.appendingPathComponent("san.ext"),
            atomically: true,
            encoding: .utf8
        )
        for name in ["server", "client"] {
            try self.openssl([
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)",
            ])
            try self.openssl([
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "\(name).pem", "-days", "2", "-extfile", "san.ext",
            ])
        }
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = self.folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MemOSError(code: .internalError, message: "openssl \(arguments.joined(separator: " ")) failed")
        }
    }

    /// A server's files: its certificate, and with `mutual`, required client certificates of the CA.
    func server(mutual: Bool = false) -> TLSFiles {
        TLSFiles(
            certificate: self.path("server.pem"),
            privateKey: self.path("server.key"),
            certificateAuthority: self.path("ca.pem"),
            requireClientCertificates: mutual
        )
    }

    /// A client's files: trusting `authority`, presenting the client certificate with `certificate`.
    func client(authority: String = "ca.pem", certificate: Bool = false) -> TLSFiles {
        TLSFiles(
            certificate: certificate ? self.path("client.pem") : nil,
            privateKey: certificate ? self.path("client.key") : nil,
            certificateAuthority: self.path(authority)
        )
    }
}

@Suite("TLS and mutual TLS on every port")
struct TLSTests {
    static let openssl = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    /// The status of a health check of `port` over `security`; nil when the connection is refused.
    static func health(
        _ port: Int,
        _ security: HTTP2ClientTransport.Posix.TransportSecurity,
        expected: Bool = false
    ) async -> String? {
        do {
            return try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: security)
            ) { client in
                var options = CallOptions.defaults
                // A connection that should work may take a while to come up on a busy machine: wait for it. One that
                // should be refused fails at once.
                options.timeout = .seconds(expected ? 30 : 5)
                options.waitForReady = expected
                return
                    "\(try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init(), options: options).status)"
            }
        } catch {
            return nil
        }
    }

    @Test(
        "a service serves TLS: the CA's clients connect, another CA's and plaintext ones are refused; mutual TLS refuses clients without a certificate",
        .enabled(if: openssl, "needs openssl")
    )
    func services() async throws {
        let certificates = try TestCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.folder) }
        try await TestDatabase.withMigratedDatabase { database in
            for mutual in [false, true] {
                let server = ServerFactory.ingest(
                    database: database,
                    embedder: FeatureHashingEmbedder(),
                    listener: .tcp(host: "127.0.0.1", port: 0, tls: certificates.server(mutual: mutual)),
                    logger: TestDatabase.logger
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await server.run() }
                    defer { server.stopServing() }
                    let port = try await server.listeningPort
                    let withCertificate = await Self.health(
                        port,
                        certificates.client(certificate: true).clientSecurity,
                        expected: true
                    )
                    #expect(withCertificate == "serving", "mutual: \(mutual)")
                    let withoutCertificate = await Self.health(
                        port,
                        certificates.client().clientSecurity,
                        expected: !mutual
                    )
                    #expect((withoutCertificate == "serving") == !mutual, "mutual: \(mutual)")
                    #expect(
                        await Self.health(port, certificates.client(authority: "other-ca.pem").clientSecurity) == nil
                    )
                    #expect(await Self.health(port, .plaintext) == nil)
                    group.cancelAll()
                }
            }
        }
    }

    @Test(
        "the whole stack over mutual TLS: HTTPS at the gateway, gRPC with client certificates behind it",
        .enabled(if: openssl, "needs openssl")
    )
    func stack() async throws {
        let certificates = try TestCertificates()
        defer { try? FileManager.default.removeItem(at: certificates.folder) }
        try await TestStack.run(tls: certificates.server(mutual: true), transport: .tcp) { stack in
            let cubes = try await stack.http(.get, "/v1/cubes", key: stack.alice.key)
            #expect(cubes.status == .ok)
            #expect(cubes.body.contains(stack.alice.cubeID))
            let added = try await stack.http(
                .post,
                "/v1/memories",
                key: stack.alice.key,
                body: #"{"cube_id": "\#(stack.alice.cubeID)", "content": "TLS on every port"}"#
            )
            #expect(added.status == .ok)
            #expect(try await stack.http(.get, "/readyz", key: nil).status == .ok)
        }
    }
}
