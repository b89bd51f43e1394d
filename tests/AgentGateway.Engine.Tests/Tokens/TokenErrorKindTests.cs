using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Engine.Tests.Tokens;

/// <summary>The failure kind of a token or credentials error: set where it is made, else following from what it carries.</summary>
public sealed class TokenErrorKindTests
{
    private static readonly Uri s_url = new("https://auth.example.com/oauth2/token");

    [Theory]
    [InlineData(null, TokenErrorKind.Connection)]
    [InlineData(400, TokenErrorKind.Rejected)]
    [InlineData(401, TokenErrorKind.Rejected)]
    [InlineData(403, TokenErrorKind.Rejected)]
    [InlineData(200, TokenErrorKind.Unavailable)]
    [InlineData(429, TokenErrorKind.Unavailable)]
    [InlineData(503, TokenErrorKind.Unavailable)]
    public void Unless_set_the_kind_follows_the_status(int? status, TokenErrorKind expected) =>
        Assert.Equal(expected, new TokenRequestException("failed", TokenKind.System, s_url, status, null, null, 1).Kind);

    [Fact]
    public void A_tls_cause_or_a_polly_timeout_decides_before_the_status()
    {
        Assert.Equal(TokenErrorKind.Tls, new TokenRequestException("tls", TokenKind.User, s_url, null, null, null, 1) { TlsCause = TlsFailureCause.Handshake }.Kind);
        Assert.Equal(TokenErrorKind.Timeout, new TokenRequestException("late", TokenKind.User, s_url, null, null, null, 2, new Polly.Timeout.TimeoutRejectedException()).Kind);
        Assert.Equal(TokenErrorKind.ExpiredOnArrival, new TokenRequestException("expired", TokenKind.User, s_url, 200, null, null, 1) { Kind = TokenErrorKind.ExpiredOnArrival }.Kind);
    }

    [Fact]
    public void Which_token_it_was_is_apart_from_the_kind() =>
        Assert.Equal(TokenKind.User, new TokenRequestException("failed", TokenKind.User, s_url, 500, null, null, 3).TokenKind);

    [Fact]
    public void Credentials_without_a_source_or_field_are_not_found_and_the_rest_invalid()
    {
        Assert.Equal(CredentialErrorKind.NotFound, new CredentialException("none", CredentialSourceKind.None, null, null).Kind);
        Assert.Equal(CredentialErrorKind.Invalid, new CredentialException("bad", CredentialSourceKind.Explicit, "/creds.json", "clientid").Kind);
        Assert.Equal(CredentialErrorKind.InsecureTransport, new CredentialException("http", CredentialSourceKind.Environment, "X", "X") { Kind = CredentialErrorKind.InsecureTransport }.Kind);
    }
}
