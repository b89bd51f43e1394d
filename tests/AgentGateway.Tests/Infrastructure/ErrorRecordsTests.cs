using System.Management.Automation;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Tokens;
using AgentGateway.Infrastructure;

namespace AgentGateway.Tests.Infrastructure;

/// <summary>
/// The one catalogue of errors (<see cref="ErrorRecords"/>): each kind of engine exception becomes its ErrorId and
/// category, with the catalogue's advice for that ErrorId (and cause); what a record shows never holds a secret that
/// travelled with the exception (an inner exception's message, the token of a rejected request).
/// </summary>
public sealed class ErrorRecordsTests
{
    private const string Secret = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl";
    private static readonly Uri s_endpoint = new("https://gateway.example/mcp");
    private static readonly Uri s_tokenService = new("https://tokens.example/oauth/token");

    /// <summary>Each exception kind, with the ErrorId and category it must get. Every one carries <see cref="Secret"/> in an inner exception.</summary>
    public static TheoryData<string, string, ErrorCategory> Cases => new()
    {
        { "credentials not found", ErrorIds.CredentialsNotFound, ErrorCategory.ObjectNotFound },
        { "credentials over http", ErrorIds.InsecureTransport, ErrorCategory.SecurityError },
        { "credentials invalid", ErrorIds.InvalidCredentials, ErrorCategory.InvalidData },
        { "token timeout", ErrorIds.TokenRequestFailed, ErrorCategory.OperationTimeout },
        { "token tls", ErrorIds.TokenRequestFailed, ErrorCategory.SecurityError },
        { "token connection", ErrorIds.TokenRequestFailed, ErrorCategory.ConnectionError },
        { "token rejected", ErrorIds.TokenRequestFailed, ErrorCategory.AuthenticationError },
        { "token unavailable", ErrorIds.TokenRequestFailed, ErrorCategory.ResourceUnavailable },
        { "token expired on arrival", ErrorIds.TokenExpiredOnArrival, ErrorCategory.InvalidResult },
        { "token proxy 407", ErrorIds.ProxyAuthenticationRequired, ErrorCategory.AuthenticationError },
        { "user token", ErrorIds.UserTokenInvalid, ErrorCategory.InvalidArgument },
        { "mcp 401", ErrorIds.McpAuthenticationFailed, ErrorCategory.AuthenticationError },
        { "mcp 403", ErrorIds.McpAuthenticationFailed, ErrorCategory.PermissionDenied },
        { "mcp connection", ErrorIds.McpServerUnreachable, ErrorCategory.ConnectionError },
        { "mcp connection lost", ErrorIds.McpConnectionLost, ErrorCategory.ConnectionError },
        { "mcp too large", ErrorIds.McpResponseTooLarge, ErrorCategory.LimitsExceeded },
        { "mcp timeout", ErrorIds.McpTimeout, ErrorCategory.OperationTimeout },
        { "mcp throttled", ErrorIds.McpThrottled, ErrorCategory.LimitsExceeded },
        { "mcp server", ErrorIds.McpServerError, ErrorCategory.ResourceUnavailable },
        { "mcp protocol", ErrorIds.McpProtocolError, ErrorCategory.ProtocolError },
        { "mcp no server", ErrorIds.McpServerNotFound, ErrorCategory.ObjectNotFound },
        { "mcp pagination", ErrorIds.McpPaginationLoop, ErrorCategory.InvalidResult },
        { "mcp insecure", ErrorIds.InsecureTransport, ErrorCategory.SecurityError },
        { "mcp configuration", ErrorIds.InvalidClientConfig, ErrorCategory.InvalidArgument },
        { "oauth refused", ErrorIds.AuthorizationRefused, ErrorCategory.AuthenticationError },
        { "oauth sign-in required", ErrorIds.SignInRequired, ErrorCategory.AuthenticationError },
        { "oauth discovery", ErrorIds.AuthorizationDiscoveryFailed, ErrorCategory.InvalidData },
        { "prompt not found", ErrorIds.McpPromptNotFound, ErrorCategory.ObjectNotFound },
        { "argument", ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument },
        { "timeout", ErrorIds.OperationTimeout, ErrorCategory.OperationTimeout },
        { "anything else", ErrorIds.UnexpectedError, ErrorCategory.NotSpecified },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_exception_kind_gets_its_ErrorId_category_and_catalogued_advice(string kind, string errorId, ErrorCategory category)
    {
        var record = ErrorRecords.From(Exception(kind), target: null, defaultConfig: false);

        Assert.Equal(errorId, record.FullyQualifiedErrorId);
        Assert.Equal(category, record.CategoryInfo.Category);
        var catalogued = ErrorRecords.Actions.Where(a => a.Key == errorId || a.Key.StartsWith(errorId + "/", StringComparison.Ordinal)).Select(a => a.Value);
        Assert.Contains(record.ErrorDetails.RecommendedAction, catalogued);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void No_record_shows_a_secret_that_travelled_with_the_exception(string kind, string errorId, ErrorCategory category)
    {
        _ = (errorId, category);
        var record = ErrorRecords.From(Exception(kind), target: s_endpoint, defaultConfig: true);

        Assert.DoesNotContain(Secret, record.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, record.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, record.CategoryInfo.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, record.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_cause_chooses_its_own_advice_and_a_default_config_adds_the_advice_to_carry_it()
    {
        var untrusted = new TokenRequestException("The token service's certificate is not trusted.", TokenKind.System, s_tokenService, null, null, null, 1, Inner())
        {
            Kind = TokenErrorKind.Tls,
            TlsCause = TlsFailureCause.ServerCertificateNotTrusted,
        };

        var plain = ErrorRecords.From(untrusted, null, defaultConfig: false);
        var inDefault = ErrorRecords.From(untrusted, null, defaultConfig: true);

        Assert.Equal(ErrorRecords.ActionFor(ErrorIds.TokenRequestFailed, nameof(TlsFailureCause.ServerCertificateNotTrusted)), plain.ErrorDetails.RecommendedAction);
        Assert.NotEqual(ErrorRecords.Actions[ErrorIds.TokenRequestFailed], plain.ErrorDetails.RecommendedAction);
        Assert.StartsWith(plain.ErrorDetails.RecommendedAction, inDefault.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        Assert.EndsWith(ErrorRecords.Actions[ErrorRecords.Key(ErrorIds.TokenRequestFailed, ErrorRecords.DefaultConfigCause)], inDefault.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_given_as_a_URL_gets_advice_that_names_no_ORD_id()
    {
        var record = ErrorRecords.From(McpGatewayException.NoServer("No MCP server answers at the URL.", s_endpoint), null, defaultConfig: false);

        Assert.Equal(ErrorIds.McpServerNotFound, record.FullyQualifiedErrorId);
        Assert.Equal(ErrorRecords.Actions[ErrorRecords.Key(ErrorIds.McpServerNotFound, "uri")], record.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void A_tool_error_keeps_the_result_as_its_target_and_shows_its_text_without_control_characters()
    {
        var result = new object();
        var record = ErrorRecords.ToolError(result, "lookup", "failed\u001b[31m here");

        Assert.Equal(ErrorIds.McpToolError, record.FullyQualifiedErrorId);
        Assert.Same(result, record.TargetObject);
        Assert.DoesNotContain('\u001b', record.ErrorDetails.Message);
        Assert.Contains("lookup", record.ErrorDetails.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_ErrorId_has_its_advice_in_the_catalogue()
    {
        var ids = typeof(ErrorIds).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();

        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.True(ErrorRecords.Actions.ContainsKey(id), $"{id} has no recommended action."));
    }

    private static Exception Inner() => new HttpRequestException($"Authorization: Bearer {Secret}");

    private static TokenRequestException Token(TokenErrorKind kind) =>
        new("The token service failed.", TokenKind.System, s_tokenService, 503, null, null, 1, Inner()) { Kind = kind };

    private static CredentialException Credential(CredentialErrorKind kind) =>
        new("The credentials are not usable.", CredentialSourceKind.Explicit, "/creds.json", "clientsecret", Inner()) { Kind = kind };

    private static Exception Exception(string kind) => kind switch
    {
        "credentials not found" => Credential(CredentialErrorKind.NotFound),
        "credentials over http" => Credential(CredentialErrorKind.InsecureTransport),
        "credentials invalid" => Credential(CredentialErrorKind.Invalid),
        "token timeout" => Token(TokenErrorKind.Timeout),
        "token tls" => Token(TokenErrorKind.Tls),
        "token connection" => Token(TokenErrorKind.Connection),
        "token rejected" => Token(TokenErrorKind.Rejected),
        "token unavailable" => Token(TokenErrorKind.Unavailable),
        "token expired on arrival" => Token(TokenErrorKind.ExpiredOnArrival),
        "token proxy 407" => new TokenRequestException("The proxy wants credentials.", TokenKind.System, s_tokenService, null, null, null, 1, Inner()) { Proxy = new Uri("http://proxy.example:3128"), ProxyStatus = 407 },
        "user token" => new UserTokenException("The user token is not a JWT.", Inner()),
        "mcp 401" => McpGatewayException.Authentication("The server rejected the token.", 401, s_endpoint, McpAuthMode.GatewayToken, Inner()),
        "mcp 403" => McpGatewayException.Authentication("The server refused the call.", 403, s_endpoint, McpAuthMode.GatewayToken, Inner()),
        "mcp connection" => McpGatewayException.Connection("The server is unreachable.", s_endpoint, Inner()),
        "mcp connection lost" => McpGatewayException.ConnectionLost("The connection broke.", s_endpoint, Inner()),
        "mcp too large" => McpGatewayException.ResponseTooLarge("The answer is too large.", 1024, s_endpoint),
        "mcp timeout" => McpGatewayException.TimedOut("The call timed out.", TimeSpan.FromSeconds(1), s_endpoint, Inner()),
        "mcp throttled" => McpGatewayException.Throttled("The quota held.", s_endpoint, Inner()),
        "mcp server" => McpGatewayException.Server("The server failed.", 500, s_endpoint, Inner()),
        "mcp protocol" => McpGatewayException.Protocol("The server answered with an error.", s_endpoint, Inner(), rpcErrorCode: -32600),
        "mcp no server" => McpGatewayException.NoServer("No MCP server here.", s_endpoint, Inner()),
        "mcp pagination" => McpGatewayException.Pagination("The listing never ends.", s_endpoint),
        "mcp insecure" => McpGatewayException.InsecureTransport("Plain http.", s_endpoint),
        "mcp configuration" => McpGatewayException.Configuration("The trusted CA file is not usable.", Inner()),
        "oauth refused" => new OAuthException(OAuthErrorKind.Refused, "The authorization server refused.", s_endpoint, Inner()),
        "oauth sign-in required" => new OAuthException(OAuthErrorKind.SignInRequired, "A sign-in is needed.", s_endpoint, Inner()),
        "oauth discovery" => new OAuthException(OAuthErrorKind.Discovery, "No metadata.", s_endpoint, Inner()),
        "prompt not found" => new McpPrimitiveException(McpPrimitiveProblem.NotFound, "No prompt named 'x'.", "x", s_endpoint, Inner()) { Primitive = "prompt" },
        "argument" => new ArgumentException("A value is out of range.", Inner()),
        "timeout" => new TimeoutException("The operation timed out.", Inner()),
        "anything else" => new InvalidOperationException("Something unexpected.", Inner()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
