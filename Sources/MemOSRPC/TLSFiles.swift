import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// A process's TLS settings, as PEM files: its own certificate and key (served by its gRPC or HTTPS server, and
/// presented as a client certificate where mutual TLS is required), the deployment's certificate authority (which
/// clients verify servers against, and servers verify client certificates against), and whether the servers
/// require client certificates.
///
/// `MEMOS_TLS_CERT`, `MEMOS_TLS_KEY`, `MEMOS_TLS_CA`, `MEMOS_TLS_CLIENT_AUTH` (docs/configuration.md).
public struct TLSFiles: Sendable, Hashable {
    public var certificate: String?
    public var privateKey: String?
    public var certificateAuthority: String?
    public var requireClientCertificates: Bool

    public init(
        certificate: String? = nil,
        privateKey: String? = nil,
        certificateAuthority: String? = nil,
        requireClientCertificates: Bool = false
    ) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.certificateAuthority = certificateAuthority
        self.requireClientCertificates = requireClientCertificates
    }

    /// How a gRPC server of this process listens: TLS with its certificate (and, with required client
    /// certificates, only for holders of one the CA signed), else plaintext.
    public var serverSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        guard let certificate = self.certificate, let privateKey = self.privateKey else { return .plaintext }
        let chain: [TLSConfig.CertificateSource] = [.file(path: certificate, format: .pem)]
        let key: TLSConfig.PrivateKeySource = .file(path: privateKey, format: .pem)
        guard self.requireClientCertificates, let authority = self.certificateAuthority else {
            return .tls(certificateChain: chain, privateKey: key)
        }
        return .mTLS(certificateChain: chain, privateKey: key) {
            $0.trustRoots = .certificates([.file(path: authority, format: .pem)])
        }
    }

    /// How this process's gRPC clients connect: with a CA, TLS verifying the server against it (and presenting
    /// this process's certificate, when it has one, for servers that require client certificates); else plaintext.
    public var clientSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        guard let authority = self.certificateAuthority else { return .plaintext }
        return .tls {
            $0.trustRoots = .certificates([.file(path: authority, format: .pem)])
            if let certificate = self.certificate, let privateKey = self.privateKey {
                $0.certificateChain = [.file(path: certificate, format: .pem)]
                $0.privateKey = .file(path: privateKey, format: .pem)
            }
        }
    }
}

/// Where a gRPC client connects.
public enum GRPCTarget {
    /// An IPv4 literal as an address (TLS then sends no server name: a literal address may not be one), anything
    /// else as a DNS name.
    public static func of(host: String, port: Int) -> any ResolvableTarget {
        var address = in_addr()
        if inet_pton(AF_INET, host, &address) == 1 { return .ipv4(address: host, port: port) }
        return .dns(host: host, port: port)
    }
}
