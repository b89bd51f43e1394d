namespace AgentGateway.Infrastructure;

/// <summary>
/// Every ErrorId the module raises, in one place. docs/errors.md describes each one (a Pester test
/// holds the two together); scripts may match them against an error's FullyQualifiedErrorId.
/// </summary>
public static class ErrorIds
{
    public const string AuthorizationClientMissing = nameof(AuthorizationClientMissing);
    public const string AuthorizationDiscoveryFailed = nameof(AuthorizationDiscoveryFailed);
    public const string AuthorizationRefused = nameof(AuthorizationRefused);
    public const string AuthorizationResourceMismatch = nameof(AuthorizationResourceMismatch);
    public const string AuthorizationResponseInvalid = nameof(AuthorizationResponseInvalid);
    public const string ClientAssertionKeyInvalid = nameof(ClientAssertionKeyInvalid);
    public const string ClientCertificateExpired = nameof(ClientCertificateExpired);
    public const string ClientCertificateFileNotFound = nameof(ClientCertificateFileNotFound);
    public const string ClientCertificateInvalid = nameof(ClientCertificateInvalid);
    public const string ClientCertificateNoPrivateKey = nameof(ClientCertificateNoPrivateKey);
    public const string ClientCertificateNotInStore = nameof(ClientCertificateNotInStore);
    public const string ClientCertificatePasswordInvalid = nameof(ClientCertificatePasswordInvalid);
    public const string ClientCertificateUsageInvalid = nameof(ClientCertificateUsageInvalid);
    public const string ClientCredentialsRefused = nameof(ClientCredentialsRefused);
    public const string CredentialsNotFound = nameof(CredentialsNotFound);
    public const string EnterpriseGrantRefused = nameof(EnterpriseGrantRefused);
    public const string EnterpriseTokenExchangeFailed = nameof(EnterpriseTokenExchangeFailed);
    public const string EnterpriseUserTokenMissing = nameof(EnterpriseUserTokenMissing);
    public const string InsecureTransport = nameof(InsecureTransport);
    public const string InsufficientScope = nameof(InsufficientScope);
    public const string InvalidArgument = nameof(InvalidArgument);
    public const string InvalidClientConfig = nameof(InvalidClientConfig);
    public const string InvalidCredentials = nameof(InvalidCredentials);
    public const string McpCapabilityMissing = nameof(McpCapabilityMissing);
    public const string McpPromptNotFound = nameof(McpPromptNotFound);
    public const string McpResourceNotFound = nameof(McpResourceNotFound);
    public const string PromptArgumentsInvalid = nameof(PromptArgumentsInvalid);
    public const string ResourceTemplateArgumentsInvalid = nameof(ResourceTemplateArgumentsInvalid);
    public const string ResourceOutFileFailed = nameof(ResourceOutFileFailed);
    public const string McpAuthenticationFailed = nameof(McpAuthenticationFailed);
    public const string McpConnectionLost = nameof(McpConnectionLost);
    public const string McpClientCertificateRefused = nameof(McpClientCertificateRefused);
    public const string McpClientCertificateRequired = nameof(McpClientCertificateRequired);
    public const string McpClientCapabilityRequired = nameof(McpClientCapabilityRequired);
    public const string McpError = nameof(McpError);
    public const string McpHeaderMismatch = nameof(McpHeaderMismatch);
    public const string McpPaginationLoop = nameof(McpPaginationLoop);
    public const string McpProtocolError = nameof(McpProtocolError);
    public const string McpResponseTooLarge = nameof(McpResponseTooLarge);
    public const string McpServerError = nameof(McpServerError);
    public const string McpServerNotFound = nameof(McpServerNotFound);
    public const string McpServerUnreachable = nameof(McpServerUnreachable);
    public const string McpThrottled = nameof(McpThrottled);
    public const string McpTimeout = nameof(McpTimeout);
    public const string McpUnsupportedRevision = nameof(McpUnsupportedRevision);
    public const string McpToolAmbiguous = nameof(McpToolAmbiguous);
    public const string McpToolError = nameof(McpToolError);
    public const string McpToolNotFound = nameof(McpToolNotFound);
    public const string McpToolUnusable = nameof(McpToolUnusable);
    public const string OperationTimeout = nameof(OperationTimeout);
    public const string SignInRequired = nameof(SignInRequired);
    public const string SignInTimedOut = nameof(SignInTimedOut);
    public const string ProxyAuthenticationRequired = nameof(ProxyAuthenticationRequired);
    public const string TokenExpiredOnArrival = nameof(TokenExpiredOnArrival);
    public const string TokenRequestFailed = nameof(TokenRequestFailed);
    public const string ToolArgumentCheckTimedOut = nameof(ToolArgumentCheckTimedOut);
    public const string ToolArgumentsInvalid = nameof(ToolArgumentsInvalid);
    public const string ToolModuleExists = nameof(ToolModuleExists);
    public const string ToolModuleNameInUse = nameof(ToolModuleNameInUse);
    public const string ToolModulePathNotFileSystem = nameof(ToolModulePathNotFileSystem);
    public const string UnexpectedError = nameof(UnexpectedError);
    public const string UserTokenInvalid = nameof(UserTokenInvalid);
}
