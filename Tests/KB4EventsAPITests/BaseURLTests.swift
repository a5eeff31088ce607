import Testing
@testable import KB4EventsCore
@testable import KB4EventsAPI

@Suite struct BaseURLTests {
    @Test func regionsMapToTheFiveHosts() {
        #expect(Region.us.baseURL.description == "https://api.events.knowbe4.com")
        #expect(Region.eu.baseURL.description == "https://api-eu.events.knowbe4.com")
        #expect(Region.ca.baseURL.description == "https://api-ca.events.knowbe4.com")
        #expect(Region.uk.baseURL.description == "https://api-uk.events.knowbe4.com")
        #expect(Region.de.baseURL.description == "https://api-de.events.knowbe4.com")
    }

    @Test(arguments: [
        ("https://api.events.knowbe4.com/", "https://api.events.knowbe4.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"), ("http://localhost:9", "http://localhost:9"),
        ("http://[::1]:80", "http://[::1]:80"), ("HTTPS://Proxy.Example:8443", "https://proxy.example:8443"),
    ])
    func accepts(text: String, normalized: String) throws {
        #expect(try BaseURL(parsing: text).description == normalized)
    }

    @Test(arguments: [
        "http://api.events.knowbe4.com", "http://10.0.0.1", "ftp://x", "https://", "https://x/v1",
        "https://x:99999", "api.events.knowbe4.com", "https://user@x",
    ])
    func refuses(text: String) {
        #expect(throws: BaseURLError.self) { try BaseURL(parsing: text) }
    }

    @Test func queryIsPercentEncodedAndKeepsZero() {
        var q = EventQuery.day("2026-11-21")
        q.riskLevel = 0
        q.targetUser = "a+b@x.example"
        let r = HTTPRequest(method: "GET", path: "/events", query: q.parameters)
        #expect(r.target.contains("risk_level=0"))
        #expect(r.target.contains("target_user=a%2Bb%40x.example"))
        #expect(r.target.contains("order_by=occurred_date&order_direction=asc"))
    }

    @Test func keyNeverPrints() {
        let key = APIKey("  secret-value\n")!
        #expect("\(key)" == "<redacted>")
        #expect(String(reflecting: key) == "<redacted>")
        #expect(key.authorizationHeader == "Bearer secret-value")
        #expect(APIKey(" \n") == nil)
    }
}
