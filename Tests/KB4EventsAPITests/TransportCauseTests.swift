import Foundation
import Testing

@testable import KB4EventsCore
@testable import KB4EventsAPI
@testable import KB4EventsNet

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Every transport failure names the host and the cause an operator can act on.
@Suite struct TransportCauseTests {
    let eu = try! BaseURL(parsing: "https://api-eu.events.knowbe4.com")

    func describe(_ code: URLError.Code, _ url: BaseURL? = nil) -> String {
        TransportCause.describe(
            URLError(code), target: (url ?? eu).networkTarget, requestTimeout: 30, check: "the region or base URL")
    }

    @Test func namesTheHostAndTheCause() {
        #expect(describe(.timedOut) == "no answer from api-eu.events.knowbe4.com:443: timed out after 30 s")
        #expect(describe(.cannotFindHost).hasPrefix("host not found: api-eu.events.knowbe4.com"))
        #expect(describe(.serverCertificateUntrusted).hasPrefix("TLS handshake with api-eu.events.knowbe4.com:443 failed (certificate not trusted)"))
        #expect(describe(.networkConnectionLost) == "connection to api-eu.events.knowbe4.com:443 lost mid-way")
    }

    @Test func aRefusedConnectionSaysSo() throws {
        let closed = try BaseURL(parsing: "http://127.0.0.1:1")
        #expect(describe(.cannotConnectToHost, closed) == "cannot connect to 127.0.0.1:1: connection refused")
    }
}
