import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MemOSProto
import MemOSRPC
import MemOSServer

/// For container health checks: exits 0 when the process at the address is healthy.
struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checks a service (grpc.health.v1) or, with --http, the gateway's /healthz; exits 0 when healthy."
    )

    @Option(help: "host:port to check.")
    var address: String
    @Flag(help: "Check the HTTP gateway instead of a gRPC service.")
    var http = false

    func run() async throws {
        guard let colon = self.address.lastIndex(of: ":"),
            let port = Int(self.address[self.address.index(after: colon)...])
        else {
            throw ValidationError("--address must be host:port")
        }
        let host = String(self.address[..<colon])
        if self.http {
            let status = try Self.httpStatus(host: host, port: port, path: "/healthz")
            guard status == 200 else { throw ExitCode.failure }
            print("healthy")
            return
        }
        let serving = try await withGRPCClient(
            transport: .http2NIOPosix(
                target: GRPCTarget.of(host: host, port: port),
                transportSecurity: try Environment.settings.tlsFiles().clientSecurity
            )
        ) { client in
            var options = CallOptions.defaults
            options.timeout = .seconds(3)
            return try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init(), options: options).status
        }
        guard serving == .serving else { throw ExitCode.failure }
        print("healthy")
    }

    /// The status code of a plain HTTP/1.1 GET (no TLS), read from the status line.
    static func httpStatus(host: String, port: Int, path: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw ExitCode.failure }
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 12 else { throw ExitCode.failure }
        let line = String(decoding: buffer[0..<count], as: UTF8.self)
        let parts = line.split(separator: " ")
        return parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    }
}
