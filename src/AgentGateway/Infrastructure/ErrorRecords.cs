using System.Management.Automation;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Turns engine exceptions into ErrorRecords with stable ErrorIds (catalogued in docs/errors.md),
/// a category, the target and a message that says what to do. Engine messages never hold secrets.
/// </summary>
internal static class ErrorRecords
{
    public static ErrorRecord InvalidClientConfig(ClientConfigException exception) =>
        Create(exception, ErrorIds.InvalidClientConfig, ErrorCategory.InvalidArgument, exception.Field,
            $"{exception.Message}{(exception.Problems.Count > 1 ? Environment.NewLine : " ")}Nothing was changed: the previous configuration stays in force.",
            "Fix every value named above (Get-AgwClientConfig shows the values in force) and run Set-AgwClientConfig again.");

    /// <summary>Any exception an engine call can raise, mapped to its ErrorId and category.</summary>
    public static ErrorRecord From(Exception exception, object? target = null) => exception switch
    {
        ClientConfigException e => InvalidClientConfig(e),
        CredentialException e when e.SourceKind == CredentialSourceKind.None && e.Field is null =>
            Create(e, ErrorIds.CredentialsNotFound, ErrorCategory.ObjectNotFound, target ?? e.Location, e.Message,
                "Set credentials with Set-AgwClientConfig -CredentialPath, a service binding under $env:SERVICE_BINDING_ROOT, or the INTEGRATION_* variables. Get-AgwClientConfig shows what is found."),
        CredentialException { InsecureTransport: true } e =>
            Create(e, ErrorIds.InsecureTransport, ErrorCategory.SecurityError, e.Location ?? target, e.Message,
                "Change the named URL of the credentials to https; plain http is allowed only to a loopback address."),
        CredentialException e =>
            Create(e, ErrorIds.InvalidCredentials, ErrorCategory.InvalidData, e.Location ?? target, e.Message,
                "Fix the named field of the credentials, then try again. Get-AgwClientConfig shows the source in use."),
        TokenRequestException { ExpiredOnArrival: true } e => Create(e, ErrorIds.TokenExpiredOnArrival, ErrorCategory.InvalidResult, target ?? e.TokenServiceUrl, e.Message,
            "Check the token service's clock and the lifetime of its tokens, or lower the buffer with Set-AgwClientConfig -TokenExpiryBufferSec."),
        TokenRequestException e => Create(
            e,
            ErrorIds.TokenRequestFailed,
            e.IsTimeout ? ErrorCategory.OperationTimeout
                : e.TlsFailure ? ErrorCategory.SecurityError
                : e.StatusCode is null ? ErrorCategory.ConnectionError
                : e.StatusCode is 400 or 401 or 403 ? ErrorCategory.AuthenticationError
                : ErrorCategory.ResourceUnavailable,
            target ?? e.TokenServiceUrl,
            e.Message,
            e.TlsFailure
                ? "Trust the token service's CA with Set-AgwClientConfig -TrustedCaPath (or the system trust store), or check the client certificate of the credentials."
                : e.StatusCode is 400 or 401 or 403
                ? "Check the client id, certificate and (for user tokens) the user's JWT; the OAuth error above says which."
                : e.IsTimeout
                ? "Check the token service (it did not answer in time), or raise -TimeoutSec; -Verbose shows each attempt."
                : "Check that the token service is reachable; -Verbose shows each attempt."),
        UserTokenException e => Create(e, ErrorIds.UserTokenInvalid, ErrorCategory.InvalidArgument, target, e.Message,
            "Pass the user's JWT as the identity provider issued it (header.payload.signature, no 'Bearer ' prefix, no quotes) to -UserToken."),
        McpArgumentException e => Create(e, ErrorIds.ToolArgumentsInvalid, ErrorCategory.InvalidArgument, target ?? e.ToolName, e.Message,
            "Fix the arguments to match the tool's InputSchema (Get-McpTool shows it), or pass -SkipSchemaValidation to let the server decide."),
        McpGatewayException e => Mcp(e, target),
        ArgumentException e => Create(e, ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, target, e.Message,
            "Change the value the message names, then try again."),
        TimeoutException e => Create(e, ErrorIds.OperationTimeout, ErrorCategory.OperationTimeout, target, e.Message,
            "Raise -TimeoutSec, or the default with Set-AgwClientConfig -TimeoutSec."),
        _ => Create(exception, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target, exception.Message, null),
    };

    /// <summary>A tool answered with isError: the result travels in the record's TargetObject.</summary>
    public static ErrorRecord ToolError(object result, string toolName, string text) =>
        Create(
            new InvalidOperationException($"The tool '{toolName}' reported an error: {text}"),
            ErrorIds.McpToolError,
            ErrorCategory.InvalidResult,
            result,
            $"The tool '{toolName}' reported an error: {text}",
            "Read the result in the error's TargetObject; check the arguments against the tool's InputSchema.");

    private static ErrorRecord Mcp(McpGatewayException e, object? target)
    {
        target ??= (object?)e.Subject ?? e.Endpoint;
        var status = e.StatusCode is { } code ? $"HTTP {code}" : e.RpcErrorCode is { } rpc ? $"JSON-RPC {rpc}" : null;
        status = status is null || e.Message.Contains(status, StringComparison.Ordinal) ? string.Empty : $" ({status})";
        return e.Kind switch
        {
            McpErrorKind.Authentication => Create(e, ErrorIds.McpAuthenticationFailed, e.StatusCode == 403 ? ErrorCategory.PermissionDenied : ErrorCategory.AuthenticationError, target, e.Message + status,
                "The server rejected the token after one renewal. Check that the agent (or user) may use this server; Clear-AgwTokenCache forces new tokens."),
            McpErrorKind.Connection => Create(e, ErrorIds.McpServerUnreachable, ErrorCategory.ConnectionError, target, e.Message,
                "Check the gateway URL and the network; -Verbose shows the endpoint."),
            McpErrorKind.Timeout => Create(e, ErrorIds.McpTimeout, ErrorCategory.OperationTimeout, target, e.Message,
                "Raise -TimeoutSec, or the default with Set-AgwClientConfig -TimeoutSec."),
            McpErrorKind.Server => Create(e, ErrorIds.McpServerError, ErrorCategory.ResourceUnavailable, target, e.Message + status,
                "The server failed; try again later, or ask its owner."),
            McpErrorKind.Protocol => Create(e, ErrorIds.McpProtocolError, ErrorCategory.ProtocolError, target, e.Message + status,
                "The server answered with a JSON-RPC error; read its message and fix the call."),
            McpErrorKind.NotFound => Create(e, ErrorIds.McpServerNotFound, ErrorCategory.ObjectNotFound, target, e.Message + status,
                "Check the ORD id, tenant or URL; Get-AgwClientConfig lists the dependencies of the credentials."),
            McpErrorKind.Pagination => Create(e, ErrorIds.McpPaginationLoop, ErrorCategory.InvalidResult, target, e.Message,
                "The server's tools/list never ends; report it to the server's owner."),
            McpErrorKind.InsecureTransport => Create(e, ErrorIds.InsecureTransport, ErrorCategory.SecurityError, target, e.Message,
                "Use https, or a loopback address for local testing."),
            McpErrorKind.Configuration => Create(e, ErrorIds.InvalidClientConfig, ErrorCategory.InvalidArgument, target, e.Message,
                "Fix the setting with Set-AgwClientConfig."),
            McpErrorKind.ToolNotFound => Create(e, ErrorIds.McpToolNotFound, ErrorCategory.ObjectNotFound, target, e.Message,
                "Check the tool's name (names are case-sensitive); Get-McpTool lists the tools of each server."),
            McpErrorKind.AmbiguousTool => Create(e, ErrorIds.McpToolAmbiguous, ErrorCategory.InvalidArgument, target, e.Message,
                "Name the server with -OrdId (or -Uri), or pipe the tool from Get-McpTool."),
            _ => Create(e, ErrorIds.McpError, ErrorCategory.NotSpecified, target, e.Message + status, null),
        };
    }

    private static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target, string message, string? recommendedAction) =>
        new(exception, errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = recommendedAction },
        };
}
