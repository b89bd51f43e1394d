using System.Collections.Frozen;
using System.Globalization;
using System.Management.Automation;
using AgentGateway.Engine.Authorization;
using AgentGateway.Engine.Configuration;
using AgentGateway.Engine.Credentials;
using AgentGateway.Engine.Http;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Tools;
using AgentGateway.Engine.Tokens;

namespace AgentGateway.Infrastructure;

/// <summary>
/// Turns engine exceptions, and the cmdlets' own refusals, into ErrorRecords with stable ErrorIds (catalogued
/// in docs/errors.md), a category, the target, a message that says what happened (the engine's) and the
/// recommended action of that ErrorId, from <see cref="Actions"/>: what to type (a parameter, a cmdlet) lives
/// there and nowhere in the engine. Engine messages never hold secrets.
/// </summary>
internal static class ErrorRecords
{
    /// <summary>The cause of an MCP failure at an endpoint given as a URL (no ORD id): its advice names no ORD id.</summary>
    private const string ByUrl = "uri";

    /// <summary>The cause of a failure at a proxy (not a 407): its advice is about the proxy.</summary>
    private const string Proxied = "proxy";

    private const string TrustCa = "Set-AgwClientConfig -TrustedCaPath with its PEM file, or add it to the system trust store";

    /// <summary>
    /// The advice added to the usual one (key "ErrorId/DefaultConfig") for a TLS or credentials failure in a runspace
    /// whose config is the default: the config may have been set in another runspace (ForEach-Object -Parallel, a
    /// job), where it does not carry.
    /// </summary>
    internal const string DefaultConfigCause = "DefaultConfig";

    /// <summary>The <see cref="DefaultConfigCause"/> advice, after the usual one: {0} the Set-AgwClientConfig parameter to carry over, {1} a variable name.</summary>
    private const string EachRunspace =
        "This runspace's config is the default, and the config belongs to each runspace: if Set-AgwClientConfig set it in another one " +
        "(the caller of ForEach-Object -Parallel, a job, a runspace of your own), set it in this one too, for example " +
        "ForEach-Object -Parallel {{ Set-AgwClientConfig {0} $using:{1}; ... }}.";

    /// <summary>
    /// What to do, per ErrorId: the one catalogue of advice (docs/errors.md says the same in its last column).
    /// Where one ErrorId has several causes that call for different advice, the key is "ErrorId/cause"
    /// (<see cref="Key"/>) and the ErrorId alone is the default.
    /// </summary>
    internal static FrozenDictionary<string, string> Actions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ErrorIds.InvalidClientConfig] = "Fix every value named above (Get-AgwClientConfig shows the values in force) and run Set-AgwClientConfig again.",
        [Key(ErrorIds.InvalidClientConfig, "setting")] = "Fix the setting named above with Set-AgwClientConfig (the trusted CA file: -TrustedCaPath, a PEM file of CA certificates); Get-AgwClientConfig shows the values in force.",
        [Key(ErrorIds.CredentialsNotFound, DefaultConfigCause)] = Carry("-CredentialPath", "credentialPath"),
        [Key(ErrorIds.InvalidCredentials, DefaultConfigCause)] = Carry("-CredentialPath", "credentialPath"),
        [Key(ErrorIds.TokenRequestFailed, DefaultConfigCause)] = Carry("-TrustedCaPath", "caPath"),
        [Key(ErrorIds.McpServerUnreachable, DefaultConfigCause)] = Carry("-TrustedCaPath", "caPath"),
        [ErrorIds.CredentialsNotFound] = "Set credentials with Set-AgwClientConfig -CredentialPath, a service binding under $env:SERVICE_BINDING_ROOT, or the INTEGRATION_* variables. Get-AgwClientConfig shows what is found.",
        [ErrorIds.InvalidCredentials] = "Fix the named field of the credentials, then try again. Get-AgwClientConfig shows the source in use.",
        [ErrorIds.ClientCertificateFileNotFound] = "Check the path given to Set-AgwClientCertificate (-CertificatePath, -KeyPath or -PfxPath); a relative path is taken from the current location.",
        [ErrorIds.ClientCertificateInvalid] = "Give Set-AgwClientCertificate a PEM certificate with its own PEM key (PKCS#8, PKCS#1 or SEC1; RSA or EC), or a PFX file; the message names the file and what is wrong with it.",
        [ErrorIds.ClientCertificatePasswordInvalid] = "Give the key's or the PFX's password to -KeyPassword or -Password, as a SecureString or a PSCredential, for example (Get-Secret -Name <name>).",
        [ErrorIds.ClientCertificateNoPrivateKey] = "Give the certificate with its private key: -KeyPath with the PEM key, a PFX that holds the key, or a store certificate imported with its key.",
        [ErrorIds.ClientCertificateExpired] = "Ask for a new client certificate (or check the clock, for one not valid yet), then run Set-AgwClientCertificate with it.",
        [ErrorIds.ClientCertificateUsageInvalid] = "Ask for a certificate issued for client authentication (extended key usage clientAuth), then run Set-AgwClientCertificate with it.",
        [ErrorIds.ClientCertificateNotInStore] = "Check the thumbprint (Get-ChildItem Cert:\\CurrentUser\\My on Windows; on Linux and macOS, [System.Security.Cryptography.X509Certificates.X509Store]::new('My','CurrentUser') lists .NET's store), or import the certificate with its key first.",
        [ErrorIds.McpClientCertificateRequired] = "Set the client certificate this server expects for its URL: Set-AgwClientCertificate -Uri <url> -CertificatePath <pem> -KeyPath <key> (or -PfxPath, or -Thumbprint). Nothing was sent: trying again is safe.",
        [ErrorIds.McpClientCertificateRefused] = "Check that the certificate Get-AgwClientCertificate -Uri <url> shows is the one this server expects (its CA, not revoked), or set another with Set-AgwClientCertificate. Nothing was sent: trying again is safe.",
        [ErrorIds.InsecureTransport] = "Use https, or a loopback address for local testing.",
        [Key(ErrorIds.InsecureTransport, "credentials")] = "Change the named URL of the credentials to https; plain http is allowed only to a loopback address.",
        [ErrorIds.TokenRequestFailed] = "Check the credentials' token service URL, that the service is reachable, and the client certificate (a service that refuses it may end the connection); a private CA is trusted with Set-AgwClientConfig -TrustedCaPath. -Verbose shows each attempt.",
        [Key(ErrorIds.TokenRequestFailed, "rejected")] = "Check the client id, certificate and (for user tokens) the user's JWT; the OAuth error above says which.",
        [Key(ErrorIds.TokenRequestFailed, "unavailable")] = "The token service failed or is throttling; try again later. -Verbose shows each attempt.",
        [Key(ErrorIds.TokenRequestFailed, "timeout")] = "Check the token service (it did not answer in time), or raise -TimeoutSec, or the default with Set-AgwClientConfig -TimeoutSec; -Verbose shows each attempt.",
        [Key(ErrorIds.TokenRequestFailed, nameof(TlsFailureCause.ServerCertificateNotTrusted))] = $"Trust the token service's CA: {TrustCa}.",
        [Key(ErrorIds.TokenRequestFailed, nameof(TlsFailureCause.ClientCertificateRefused))] = "Check that the certificate of the credentials is the one issued for that client, and neither expired nor revoked; Get-AgwClientConfig shows the source in use.",
        [Key(ErrorIds.TokenRequestFailed, nameof(TlsFailureCause.Handshake))] = "Check the credentials' token service URL; if the token service uses a private CA, trust it with Set-AgwClientConfig -TrustedCaPath.",
        [ErrorIds.ProxyAuthenticationRequired] = "Give the proxy its credentials: Set-AgwClientConfig -ProxyCredential (Get-Credential) (or user:password in the proxy URL of HTTPS_PROXY); if credentials were given, check them with the proxy's owners. Set-AgwClientConfig -NoProxy, or NO_PROXY, sends around it. Nothing went past the proxy: trying again is safe.",
        [Key(ErrorIds.TokenRequestFailed, Proxied)] = "Check the proxy named above (Set-AgwClientConfig -Proxy, or HTTPS_PROXY): it must be reachable and allow a tunnel to the token service; NO_PROXY or Set-AgwClientConfig -NoProxy sends around it. Test-AgwConnection shows each stage.",
        [Key(ErrorIds.McpServerUnreachable, Proxied)] = "Check the proxy named above (Set-AgwClientConfig -Proxy, or HTTPS_PROXY): it must be reachable and allow a tunnel to the server; NO_PROXY or Set-AgwClientConfig -NoProxy sends around it. Nothing went past the proxy: trying again is safe.",
        [ErrorIds.TokenExpiredOnArrival] = "Check the token service's clock and the lifetime of its tokens, or lower the buffer with Set-AgwClientConfig -TokenExpiryBufferSec.",
        [ErrorIds.UserTokenInvalid] = "Pass the user's JWT as the identity provider issued it (header.payload.signature, no 'Bearer ' prefix, no quotes) to -UserToken.",
        [ErrorIds.ToolArgumentsInvalid] = "Fix the arguments to match the tool's InputSchema (Get-McpTool shows it), or pass -SkipSchemaValidation to let the server decide.",
        [ErrorIds.McpToolError] = "Read the result in the error's TargetObject; check the arguments against the tool's InputSchema.",
        [ErrorIds.McpAuthenticationFailed] = "Check that the agent (or user) may use this server; Clear-AgwTokenCache forces new tokens. For an endpoint outside the gateway, pass a valid -AccessToken.",
        [Key(ErrorIds.McpAuthenticationFailed, nameof(McpAuthMode.GatewayToken))] = "The server rejected the token after one renewal. Check that the agent (or user) may use this server; Clear-AgwTokenCache forces new tokens.",
        [Key(ErrorIds.McpAuthenticationFailed, nameof(McpAuthMode.FixedToken))] = "Pass a valid -AccessToken that may use this endpoint; a given token is not renewed.",
        [Key(ErrorIds.McpAuthenticationFailed, nameof(McpAuthMode.None))] = "Pass -AccessToken for this endpoint: it is not on the gateway's origin, so the gateway's tokens are not sent to it.",
        [Key(ErrorIds.McpAuthenticationFailed, nameof(McpAuthMode.SignIn))] = "The server rejected the token it had you sign in for. Check that your account may use this server; Clear-AgwTokenCache -Uri <url> forgets the token, and the next call signs in again.",
        [ErrorIds.SignInRequired] = "Pass -AuthorizationHandler { param($request) ... return $redirectedUrl } to complete the sign-in from a script (its AuthorizationUrl opened in a browser or by your identity tooling), or run the command in an interactive pwsh; or pass -AccessToken with a token you got yourself.",
        [ErrorIds.SignInTimedOut] = "Sign in faster, or raise the bound with Set-AgwOAuthClient -Issuer <issuer> -SignInTimeoutSec.",
        [ErrorIds.AuthorizationDiscoveryFailed] = "Check the MCP server's URL and that it publishes its protected resource metadata (RFC 9728) and its authorization server's metadata (RFC 8414); -Verbose shows each URL tried.",
        [ErrorIds.AuthorizationResourceMismatch] = "The server's metadata names another resource: do not sign in there. Check the URL; report it to the server's owner.",
        [ErrorIds.AuthorizationResponseInvalid] = "Sign in again (Clear-AgwTokenCache -Uri <url>, then the call); return the URL the browser was redirected to, unchanged, from -AuthorizationHandler. A wrong state or issuer may mean a forged redirect.",
        [ErrorIds.AuthorizationRefused] = "Read the authorization server's error above; check the client id (Set-AgwOAuthClient), its secret and redirect URI, and that your account may sign in.",
        [ErrorIds.ClientCredentialsRefused] = "The authorization server refused this client's own credentials (its OAuth error is above: invalid_client: a wrong or revoked secret or key, or a key it does not know; unauthorized_client: the client may not use the client credentials grant; invalid_scope: a scope it may not have). Set the right ones with Set-AgwOAuthClient -Issuer <issuer> -GrantType ClientCredentials -Credential (Get-Secret <name>) or -ClientAssertionKeyPath <key file>, or have the server's admin register them.",
        [ErrorIds.ClientAssertionKeyInvalid] = "Give Set-AgwOAuthClient -ClientAssertionKeyPath a PEM file with an RSA (2048 bits or more) or EC (P-256/384/521) private key, or a PFX file with its -ClientAssertionKeyPassword.",
        [ErrorIds.AuthorizationClientMissing] = "Set the client this module is at that authorization server: Set-AgwOAuthClient -Issuer <issuer> -ClientId <id> (its issuer is in the message).",
        [ErrorIds.EnterpriseTokenExchangeFailed] = "Step 1 (the identity provider) refused: read its OAuth error above. Check the identity provider's token endpoint and its client (Set-AgwOAuthClient -IdentityProvider, -IdentityProviderClientId, -IdentityProviderClientSecret), that the user's token is a current ID token of that identity provider, and that the user may use this MCP server.",
        [ErrorIds.EnterpriseGrantRefused] = "Step 2 (the MCP server's authorization server) refused the ID-JAG: read its OAuth error above. Check the client id and secret set for that issuer (Set-AgwOAuthClient -ClientId, -ClientSecret), that the authorization server trusts the identity provider, and that the ID-JAG's audience (its issuer) and resource are what it expects.",
        [ErrorIds.EnterpriseUserTokenMissing] = "Pass the user's ID token with -UserToken or -UserTokenProvider, or set a provider once: Set-AgwOAuthClient -Issuer <issuer> -UserTokenProvider { <return the user's ID token> }.",
        [ErrorIds.InsufficientScope] = "Your account was not granted the scope the server asks for; ask the server's owner, or sign in with an account that has it.",
        [Key(ErrorIds.InsecureTransport, "authorization")] = "The authorization server (or the MCP server) named in the message is plain http: use https (plain http is allowed only to a loopback address).",
        [ErrorIds.McpServerUnreachable] = "Check the gateway URL and the network; -Verbose shows the endpoint. Nothing was sent: trying again is safe.",
        [Key(ErrorIds.McpServerUnreachable, ByUrl)] = "Check the URL and the network; -Verbose shows the endpoint. Nothing was sent: trying again is safe.",
        [ErrorIds.McpConnectionLost] = "Find out whether the server acted on the request (for a tool, whether it ran) before you call it again: a second call may run the tool again. Check the network and the server; -Verbose shows the endpoint.",
        [ErrorIds.McpResponseTooLarge] = "Ask the tool for less (a filter, a page), or raise the limit with Set-AgwClientConfig -MaxResponseSizeMB (Get-AgwClientConfig shows it). The tool may have run: a second call may run it again.",
        [Key(ErrorIds.McpServerUnreachable, nameof(TlsFailureCause.ServerCertificateNotTrusted))] = $"Trust the gateway's CA: {TrustCa}.",
        [Key(ErrorIds.McpServerUnreachable, nameof(TlsFailureCause.Handshake))] = "Check the gateway URL; if the gateway uses a private CA, set its PEM file with Set-AgwClientConfig -TrustedCaPath.",
        [ErrorIds.McpThrottled] = "The server's quota held: the request was not processed, so it is safe to send again later. Send fewer calls at once (a lower -ThrottleLimit), or raise -TimeoutSec so that more waits fit; -Verbose shows each wait.",
        [ErrorIds.McpTimeout] = "Raise -TimeoutSec, or the default with Set-AgwClientConfig -TimeoutSec.",
        [ErrorIds.McpServerError] = "The server failed; try again later, or ask its owner.",
        [ErrorIds.McpHeaderMismatch] = "The server refused the request's MCP headers (Mcp-Method, Mcp-Name, Mcp-Param-*) before running anything; the module had already listed the tools again and sent once more. The server's listing and its own check disagree: report it to the server's owner with the message above.",
        [ErrorIds.McpClientCapabilityRequired] = "The server requires a client capability this module does not declare (the message names it); this request cannot be made to this server with this module. Use a tool that does not need it, or ask the server's owner whether the capability is really required.",
        [ErrorIds.McpUnsupportedRevision] = "The server does not support the MCP revision this runspace used with it (it changed since, or supports none this module speaks: the message lists the ones it does). The revision is forgotten: call again to negotiate anew; if it fails again, ask the server's owner which revisions it serves.",
        [ErrorIds.McpProtocolError] = "The server answered with a JSON-RPC error; read its message and fix the call.",
        [Key(ErrorIds.McpProtocolError, "malformed")] = "The server's answer is not usable MCP; report it to the server's owner with the message above. For a tool, find out whether it ran before you call it again.",
        [ErrorIds.McpServerNotFound] = "Check the ORD id, tenant or URL; Get-AgwClientConfig lists the dependencies of the credentials.",
        [Key(ErrorIds.McpServerNotFound, ByUrl)] = "Check the URL: it names no MCP server.",
        [ErrorIds.McpPaginationLoop] = "The server's tools/list never ends; report it to the server's owner.",
        [ErrorIds.McpToolNotFound] = "Check the tool's name (names are case-sensitive); Get-McpTool lists the tools of each server.",
        [ErrorIds.McpToolAmbiguous] = "Name the server with -OrdId (or -Uri), or pipe the tool from Get-McpTool.",
        [ErrorIds.McpToolUnusable] = "Report the tool's inputSchema to the server's owner; the server's other tools are unaffected. To call this tool anyway, unchecked: Invoke-McpTool -Name <tool> -OrdId <ordId> (or -Uri <url>) -SkipSchemaValidation.",
        [ErrorIds.ToolArgumentCheckTimedOut] = "Pass -SkipSchemaValidation to let the server check the arguments, or raise -TimeoutSec; report the slow pattern to the server's owner.",
        [ErrorIds.ToolModuleExists] = "Pass -Force to overwrite it, or another -Path.",
        [ErrorIds.ToolModuleNameInUse] = "Remove that module (Remove-Module with the name above), then run Import-McpTool again.",
        [ErrorIds.ToolModulePathNotFileSystem] = "Pass -Path a folder on the file system, such as ./CrmTools or C:\\Modules\\CrmTools.",
        [ErrorIds.McpCapabilityMissing] = "The server does not offer this kind of primitive; Get-McpTool lists what it does offer (its tools).",
        [ErrorIds.McpResourceNotFound] = "Check the resource's name or URI; Get-McpResource lists the resources and templates of each server.",
        [ErrorIds.McpPromptNotFound] = "Check the prompt's name (names are case-sensitive); Get-McpPrompt lists the prompts of each server, and -OrdId or -Uri names the server.",
        [ErrorIds.PromptArgumentsInvalid] = "Pass every required argument in -Arguments, and only arguments the prompt has; Get-McpPrompt shows them.",
        [ErrorIds.ResourceTemplateArgumentsInvalid] = "Pass a value for each variable of the template in -Arguments, and no others; Get-McpResource shows a template's Variables.",
        [ErrorIds.ResourceOutFileFailed] = "Check that -OutFile names a place you can write to (the folder exists or can be made, the file is not in use).",
        [ErrorIds.InvalidArgument] = "Change the value the message names, then try again.",
        [Key(ErrorIds.InvalidArgument, "modulePath")] = "Pass -Path a folder such as ./CrmTools: its last segment names the module.",
        [ErrorIds.OperationTimeout] = "Raise -TimeoutSec, or the default with Set-AgwClientConfig -TimeoutSec.",
        [ErrorIds.McpError] = "Report it with the output of -Verbose -Debug (which holds no secrets).",
        [ErrorIds.UnexpectedError] = "Report it with the output of -Verbose -Debug (which holds no secrets).",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static ErrorRecord InvalidClientConfig(ClientConfigException exception) =>
        Create(exception, ErrorIds.InvalidClientConfig, ErrorCategory.InvalidArgument, exception.Field,
            message: $"{exception.Message}{(exception.Problems.Count > 1 ? Environment.NewLine : " ")}Nothing was changed: the previous configuration stays in force.");

    /// <summary>
    /// Any exception an engine call can raise, mapped to its ErrorId, category and action; a TLS or credentials
    /// failure in a runspace whose config is the default (<see cref="RunspaceStates.CurrentConfigIsDefault"/>)
    /// gets the action that says the config belongs to each runspace.
    /// </summary>
    public static ErrorRecord From(Exception exception, object? target = null) => From(exception, target, RunspaceStates.CurrentConfigIsDefault);

    /// <summary><see cref="From(Exception, object?)"/> with whether the runspace's config is the default given.</summary>
    internal static ErrorRecord From(Exception exception, object? target, bool defaultConfig) => exception switch
    {
        ClientConfigException e => InvalidClientConfig(e),
        CredentialException { Kind: CredentialErrorKind.NotFound } e =>
            Create(e, ErrorIds.CredentialsNotFound, ErrorCategory.ObjectNotFound, target ?? e.Location, defaultConfig: defaultConfig),
        CredentialException { Kind: CredentialErrorKind.InsecureTransport } e => Create(e, ErrorIds.InsecureTransport, ErrorCategory.SecurityError, e.Location ?? target, "credentials"),
        CredentialException e => Create(e, ErrorIds.InvalidCredentials, ErrorCategory.InvalidData, e.Location ?? target, defaultConfig: defaultConfig),
        TokenRequestException { ProxyStatus: 407 } e => Create(e, ErrorIds.ProxyAuthenticationRequired, ErrorCategory.AuthenticationError, e.Proxy ?? target),
        TokenRequestException { Proxy: not null } e => Create(e, ErrorIds.TokenRequestFailed, ErrorCategory.ConnectionError, target ?? e.TokenServiceUrl, Proxied),
        TokenRequestException { Kind: TokenErrorKind.ExpiredOnArrival } e => Create(e, ErrorIds.TokenExpiredOnArrival, ErrorCategory.InvalidResult, target ?? e.TokenServiceUrl),
        TokenRequestException e => Create(
            e,
            ErrorIds.TokenRequestFailed,
            e.Kind switch
            {
                TokenErrorKind.Timeout => ErrorCategory.OperationTimeout,
                TokenErrorKind.Tls => ErrorCategory.SecurityError,
                TokenErrorKind.Connection => ErrorCategory.ConnectionError,
                TokenErrorKind.Rejected => ErrorCategory.AuthenticationError,
                _ => ErrorCategory.ResourceUnavailable,
            },
            target ?? e.TokenServiceUrl,
            e.Kind switch
            {
                TokenErrorKind.Timeout => "timeout",
                TokenErrorKind.Tls => e.TlsCause.ToString(),
                TokenErrorKind.Connection => null,
                TokenErrorKind.Rejected => "rejected",
                _ => "unavailable",
            },
            defaultConfig: defaultConfig && e.Kind == TokenErrorKind.Tls),
        ClientCertificateException e => Create(
            e,
            e.Kind switch
            {
                ClientCertificateErrorKind.FileNotFound => ErrorIds.ClientCertificateFileNotFound,
                ClientCertificateErrorKind.WrongPassword => ErrorIds.ClientCertificatePasswordInvalid,
                ClientCertificateErrorKind.NoPrivateKey => ErrorIds.ClientCertificateNoPrivateKey,
                ClientCertificateErrorKind.Expired => ErrorIds.ClientCertificateExpired,
                ClientCertificateErrorKind.WrongUsage => ErrorIds.ClientCertificateUsageInvalid,
                ClientCertificateErrorKind.NotInStore => ErrorIds.ClientCertificateNotInStore,
                _ => ErrorIds.ClientCertificateInvalid,
            },
            e.Kind switch
            {
                ClientCertificateErrorKind.FileNotFound or ClientCertificateErrorKind.NotInStore => ErrorCategory.ObjectNotFound,
                ClientCertificateErrorKind.WrongPassword => ErrorCategory.AuthenticationError,
                _ => ErrorCategory.InvalidData,
            },
            target ?? e.Source),
        UserTokenException e => Create(e, ErrorIds.UserTokenInvalid, ErrorCategory.InvalidArgument, target),
        McpArgumentException e => Create(e, ErrorIds.ToolArgumentsInvalid, ErrorCategory.InvalidArgument, target ?? e.ToolName),
        McpPrimitiveException e => Primitive(e, target ?? (object?)e.Subject ?? e.Endpoint),
        // One server's sign-in failure in a multi-server listing arrives wrapped as that server's outcome: its own ErrorId.
        McpGatewayException { InnerException: OAuthException o } => Authorization(o, target ?? o.Endpoint),
        McpGatewayException e => Mcp(e, target ?? (object?)e.Subject ?? e.Endpoint, defaultConfig),
        OAuthException e => Authorization(e, target ?? e.Endpoint),
        ArgumentException e => Create(e, ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, target),
        TimeoutException e => Create(e, ErrorIds.OperationTimeout, ErrorCategory.OperationTimeout, target),
        _ => Create(exception, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target),
    };

    /// <summary>A tool answered with isError: the result travels in the record's TargetObject (its text as sent), the message quotes it made fit for a terminal.</summary>
    public static ErrorRecord ToolError(object result, string toolName, string text) =>
        Create(
            new InvalidOperationException($"The tool '{HostText.Line(toolName, HostText.NameLength)}' reported an error: {HostText.Lines(text, HostText.QuoteLength)}"),
            ErrorIds.McpToolError,
            ErrorCategory.InvalidResult,
            result);

    /// <summary>A result that arrived but could not become PowerShell objects: that call's error (the tool ran).</summary>
    public static ErrorRecord ResultNotConverted(Exception exception, object target, string toolName, string server) =>
        Create(
            new InvalidDataException($"The result of the tool '{toolName}' on '{server}' could not be converted to PowerShell objects: {exception.Message} The tool ran: calling it again runs it again.", exception),
            ErrorIds.UnexpectedError,
            ErrorCategory.InvalidResult,
            target);

    /// <summary>Export-McpToolModule: the module files exist in <paramref name="folder"/> and -Force was not given.</summary>
    public static ErrorRecord ToolModuleExists(string moduleName, string folder) =>
        Create(new IOException($"The module '{moduleName}' exists in {folder}."), ErrorIds.ToolModuleExists, ErrorCategory.ResourceExists, folder);

    /// <summary>Import-McpTool: a module named <paramref name="name"/>, not one of its own, is loaded.</summary>
    public static ErrorRecord ToolModuleNameInUse(string name) =>
        Create(new InvalidOperationException($"A module named '{name}' that Import-McpTool did not make is loaded."), ErrorIds.ToolModuleNameInUse, ErrorCategory.ResourceExists, name);

    /// <summary>Export-McpToolModule: -Path <paramref name="path"/> has no last segment to name the module.</summary>
    public static ErrorRecord ModulePathWithoutName(string path) =>
        Create(new ArgumentException($"-Path '{path}' has no last segment to name the module."), ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, path, "modulePath");

    /// <summary>Export-McpToolModule: -Path <paramref name="path"/> is on the <paramref name="provider"/> provider, not the file system.</summary>
    public static ErrorRecord ToolModulePathNotFileSystem(string path, string provider) =>
        Create(new ArgumentException($"-Path '{path}' is on the {provider} provider: a module is written to the file system only."), ErrorIds.ToolModulePathNotFileSystem, ErrorCategory.InvalidArgument, path);

    /// <summary>A literal name that matches nothing the servers listed (<paramref name="primitive"/>: resource or prompt), with the closest names.</summary>
    public static ErrorRecord PrimitiveNotFound(string primitive, string name, IEnumerable<string> listed)
    {
        var closest = Engine.Mcp.Tools.McpToolLookup.ClosestNames(name, listed);
        var hint = closest.Count == 0 ? string.Empty : $" The closest: {string.Join(", ", closest)}.";
        return From(new McpPrimitiveException(McpPrimitiveProblem.NotFound, $"No {primitive} named '{name}' was listed by the servers asked.{hint}", name) { Primitive = primitive, Candidates = closest });
    }

    private static ErrorRecord Primitive(McpPrimitiveException e, object? target) => e.Problem switch
    {
        McpPrimitiveProblem.NotOffered => Create(e, ErrorIds.McpCapabilityMissing, ErrorCategory.NotImplemented, target),
        McpPrimitiveProblem.NotFound => Create(e, e.Primitive == "prompt" ? ErrorIds.McpPromptNotFound : ErrorIds.McpResourceNotFound, ErrorCategory.ObjectNotFound, target),
        McpPrimitiveProblem.ArgumentsInvalid => Create(e, e.Primitive == "prompt" ? ErrorIds.PromptArgumentsInvalid : ErrorIds.ResourceTemplateArgumentsInvalid, ErrorCategory.InvalidArgument, target),
        McpPrimitiveProblem.OutputFailed => Create(e, ErrorIds.ResourceOutFileFailed, ErrorCategory.WriteError, target),
        _ => Create(e, ErrorIds.McpError, ErrorCategory.NotSpecified, target),
    };

    /// <summary>The advice for a failure in a runspace whose config is the default: set <paramref name="parameter"/> there too.</summary>
    private static string Carry(string parameter, string variable) =>
        string.Format(CultureInfo.InvariantCulture, EachRunspace, parameter, variable);

    /// <summary>The key of the action for <paramref name="errorId"/> when <paramref name="cause"/> calls for its own.</summary>
    internal static string Key(string errorId, string cause) => errorId + "/" + cause;

    /// <summary>The action of <paramref name="errorId"/> for <paramref name="cause"/>, else of the ErrorId alone.</summary>
    internal static string? ActionFor(string errorId, string? cause) =>
        (cause is not null && Actions.TryGetValue(Key(errorId, cause), out var specific) ? specific : null) ?? Actions.GetValueOrDefault(errorId);

    private static ErrorRecord Mcp(McpGatewayException e, object? target, bool defaultConfig)
    {
        // The status or JSON-RPC code, unless the message has it already.
        var status = e.StatusCode is { } code ? $"HTTP {code}" : e.RpcErrorCode is { } rpc ? $"JSON-RPC {rpc}" : null;
        var number = (e.StatusCode ?? e.RpcErrorCode)?.ToString(CultureInfo.InvariantCulture);
        var message = status is null || e.Message.Contains(number!, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({status})";
        var tls = e.TlsCause == TlsFailureCause.None ? null : e.TlsCause.ToString();

        // An endpoint given as a URL (-Uri): no advice about ORD ids or the gateway.
        var byUrl = e.OrdId is null && e.Subject is null && e.Endpoint is not null ? ByUrl : null;
        return e.Kind switch
        {
            McpErrorKind.Authentication => Create(e, ErrorIds.McpAuthenticationFailed, e.StatusCode == 403 ? ErrorCategory.PermissionDenied : ErrorCategory.AuthenticationError, target, e.AuthMode?.ToString(), message),
            McpErrorKind.Proxy when e.StatusCode == 407 => Create(e, ErrorIds.ProxyAuthenticationRequired, ErrorCategory.AuthenticationError, e.Proxy ?? target, message: e.Message),
            McpErrorKind.Proxy => Create(e, ErrorIds.McpServerUnreachable, ErrorCategory.ConnectionError, target, Proxied, e.Message),
            McpErrorKind.Connection when e.TlsCause == TlsFailureCause.ClientCertificateRequired => Create(e, ErrorIds.McpClientCertificateRequired, ErrorCategory.AuthenticationError, target, message: message),
            McpErrorKind.Connection when e.TlsCause == TlsFailureCause.ClientCertificateRefused => Create(e, ErrorIds.McpClientCertificateRefused, ErrorCategory.AuthenticationError, target, message: message),
            McpErrorKind.Connection => Create(e, ErrorIds.McpServerUnreachable, ErrorCategory.ConnectionError, target, tls ?? byUrl, message, defaultConfig && tls is not null),
            McpErrorKind.ConnectionLost => Create(e, ErrorIds.McpConnectionLost, ErrorCategory.ConnectionError, target, message: message),
            McpErrorKind.ResponseTooLarge => Create(e, ErrorIds.McpResponseTooLarge, ErrorCategory.LimitsExceeded, target, message: message),
            McpErrorKind.Timeout => Create(e, ErrorIds.McpTimeout, ErrorCategory.OperationTimeout, target, message: message),
            McpErrorKind.Throttled => Create(e, ErrorIds.McpThrottled, ErrorCategory.LimitsExceeded, target, message: message),
            McpErrorKind.Server => Create(e, ErrorIds.McpServerError, ErrorCategory.ResourceUnavailable, target, message: message),
            McpErrorKind.Protocol when e.RpcErrorCode == McpGatewayException.HeaderMismatchCode => Create(e, ErrorIds.McpHeaderMismatch, ErrorCategory.ProtocolError, target, message: message),
            McpErrorKind.Protocol when e.RpcErrorCode == McpGatewayException.MissingCapabilityCode => Create(e, ErrorIds.McpClientCapabilityRequired, ErrorCategory.NotImplemented, target, message: message),
            McpErrorKind.Protocol when e.RpcErrorCode == McpGatewayException.UnsupportedRevisionCode => Create(e, ErrorIds.McpUnsupportedRevision, ErrorCategory.ProtocolError, target, message: message),
            McpErrorKind.Protocol => Create(e, ErrorIds.McpProtocolError, ErrorCategory.ProtocolError, target, e.RpcErrorCode is null && e.AfterSend ? "malformed" : null, message),
            McpErrorKind.NotFound => Create(e, ErrorIds.McpServerNotFound, ErrorCategory.ObjectNotFound, target, byUrl, message),
            McpErrorKind.Pagination => Create(e, ErrorIds.McpPaginationLoop, ErrorCategory.InvalidResult, target, message: message),
            McpErrorKind.InsecureTransport => Create(e, ErrorIds.InsecureTransport, ErrorCategory.SecurityError, target, message: message),
            McpErrorKind.Configuration => Create(e, ErrorIds.InvalidClientConfig, ErrorCategory.InvalidArgument, target, "setting", message),
            McpErrorKind.ToolNotFound => Create(e, ErrorIds.McpToolNotFound, ErrorCategory.ObjectNotFound, target, message: message),
            McpErrorKind.AmbiguousTool => Create(e, ErrorIds.McpToolAmbiguous, ErrorCategory.InvalidArgument, target, message: message),
            McpErrorKind.UnusableTool => Create(e, ErrorIds.McpToolUnusable, ErrorCategory.InvalidData, target, message: message),
            McpErrorKind.ArgumentCheckTimeout => Create(e, ErrorIds.ToolArgumentCheckTimedOut, ErrorCategory.OperationTimeout, target, message: message),
            _ => Create(e, ErrorIds.McpError, ErrorCategory.NotSpecified, target, message: message),
        };
    }

    private static ErrorRecord Authorization(OAuthException e, object? target) => e.Kind switch
    {
        OAuthErrorKind.ResourceMismatch => Create(e, ErrorIds.AuthorizationResourceMismatch, ErrorCategory.SecurityError, target),
        OAuthErrorKind.InsecureEndpoint => Create(e, ErrorIds.InsecureTransport, ErrorCategory.SecurityError, target, "authorization"),
        OAuthErrorKind.SignInRequired => Create(e, ErrorIds.SignInRequired, ErrorCategory.AuthenticationError, target),
        OAuthErrorKind.InvalidResponse => Create(e, ErrorIds.AuthorizationResponseInvalid, ErrorCategory.SecurityError, target),
        OAuthErrorKind.Refused => Create(e, ErrorIds.AuthorizationRefused, ErrorCategory.AuthenticationError, target),
        OAuthErrorKind.TimedOut => Create(e, ErrorIds.SignInTimedOut, ErrorCategory.OperationTimeout, target),
        OAuthErrorKind.NoClient => Create(e, ErrorIds.AuthorizationClientMissing, ErrorCategory.ObjectNotFound, target),
        OAuthErrorKind.InsufficientScope => Create(e, ErrorIds.InsufficientScope, ErrorCategory.PermissionDenied, target),
        OAuthErrorKind.IdentityProviderRefused => Create(e, ErrorIds.EnterpriseTokenExchangeFailed, ErrorCategory.AuthenticationError, target),
        OAuthErrorKind.AssertionRefused => Create(e, ErrorIds.EnterpriseGrantRefused, ErrorCategory.AuthenticationError, target),
        OAuthErrorKind.UserTokenMissing => Create(e, ErrorIds.EnterpriseUserTokenMissing, ErrorCategory.AuthenticationError, target),
        OAuthErrorKind.ClientCredentialsRefused => Create(e, ErrorIds.ClientCredentialsRefused, ErrorCategory.AuthenticationError, target),
        OAuthErrorKind.ClientAssertionKey => Create(e, ErrorIds.ClientAssertionKeyInvalid, ErrorCategory.InvalidData, target),
        _ => Create(e, ErrorIds.AuthorizationDiscoveryFailed, ErrorCategory.InvalidData, target),
    };

    /// <summary>
    /// The record: the exception's message (or <paramref name="message"/>) and the catalogue's action for the ErrorId and
    /// <paramref name="cause"/>, with <paramref name="defaultConfig"/> followed by the ErrorId's <see cref="DefaultConfigCause"/>
    /// advice. What the record shows is made fit for a terminal here, for every record: the message (it may quote what a
    /// server sent: names, messages) and the target's name in the category line (a result's or a tool's text); the
    /// exception and the target keep the data.
    /// </summary>
    private static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target, string? cause = null, string? message = null, bool defaultConfig = false)
    {
        var action = ActionFor(errorId, cause);
        if (defaultConfig && Actions.TryGetValue(Key(errorId, DefaultConfigCause), out var eachRunspace))
        {
            action = $"{action} {eachRunspace}";
        }

        var record = new ErrorRecord(exception, errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(HostText.Lines(message ?? exception.Message, HostText.MessageLength)) { RecommendedAction = action },
        };
        if (target?.ToString() is { } targetName && !string.Equals(HostText.Line(targetName), targetName, StringComparison.Ordinal))
        {
            record.CategoryInfo.TargetName = HostText.Line(targetName, HostText.NameLength);
        }

        return record;
    }
}
