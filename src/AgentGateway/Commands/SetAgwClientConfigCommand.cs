using System.Management.Automation;
using AgentGateway.Engine.Configuration;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Changes the client configuration of the current runspace.</summary>
[Cmdlet(VerbsCommon.Set, "AgwClientConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AgwClientConfig))]
public sealed class SetAgwClientConfigCommand : AgwCmdlet
{
    [Parameter]
    public double TimeoutSec { get; set; }

    [Parameter]
    public double TokenExpiryBufferSec { get; set; }

    [Parameter]
    public double FallbackTokenTtlSec { get; set; }

    [Parameter]
    public int MaxSystemTokenCacheSize { get; set; }

    [Parameter]
    public int MaxUserTokenCacheSize { get; set; }

    [Parameter]
    public int MaxMcpSessionCount { get; set; }

    [Parameter]
    public double McpSessionIdleSec { get; set; }

    [Parameter]
    public double ToolListCacheSec { get; set; }

    /// <summary>The most one MCP answer may hold, in MB (a JSON body, or one event of a stream).</summary>
    [Parameter]
    public double MaxResponseSizeMB { get; set; }

    [Parameter]
    [AllowNull]
    [AllowEmptyString]
    public string? CredentialPath { get; set; }

    [Parameter]
    [AllowNull]
    [AllowEmptyString]
    public string? TrustedCaPath { get; set; }

    /// <summary>The proxy every request goes through (http or https, scheme, host and port); $null goes back to the environment's.</summary>
    [Parameter]
    [AllowNull]
    public Uri? Proxy { get; set; }

    /// <summary>The credentials given to the proxy when it asks (HTTP 407); $null removes them.</summary>
    [Parameter]
    [AllowNull]
    [Credential]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>No proxy, whatever the environment says (-NoProxy:$false goes back to the environment's).</summary>
    [Parameter]
    public SwitchParameter NoProxy { get; set; }

    /// <summary>Restores the defaults first; other parameters given are applied on top.</summary>
    [Parameter]
    public SwitchParameter Reset { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var bound = MyInvocation.BoundParameters;
        if (!ShouldProcess("AgentGateway client configuration of this runspace", Reset ? "Reset and set" : "Set"))
        {
            return;
        }

        try
        {
            var updated = State.UpdateConfig(current => (Reset ? ClientConfig.Default : current).With(
                timeout: bound.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null,
                tokenExpiryBuffer: bound.ContainsKey(nameof(TokenExpiryBufferSec)) ? TimeSpan.FromSeconds(TokenExpiryBufferSec) : null,
                fallbackTokenTtl: bound.ContainsKey(nameof(FallbackTokenTtlSec)) ? TimeSpan.FromSeconds(FallbackTokenTtlSec) : null,
                maxSystemTokenCacheSize: bound.ContainsKey(nameof(MaxSystemTokenCacheSize)) ? MaxSystemTokenCacheSize : null,
                maxUserTokenCacheSize: bound.ContainsKey(nameof(MaxUserTokenCacheSize)) ? MaxUserTokenCacheSize : null,
                credentialPath: bound.ContainsKey(nameof(CredentialPath)) ? ResolvePath(CredentialPath) : default(Optional<string?>),
                trustedCaPath: bound.ContainsKey(nameof(TrustedCaPath)) ? ResolvePath(TrustedCaPath) : default(Optional<string?>),
                maxMcpSessionCount: bound.ContainsKey(nameof(MaxMcpSessionCount)) ? MaxMcpSessionCount : null,
                mcpSessionIdle: bound.ContainsKey(nameof(McpSessionIdleSec)) ? TimeSpan.FromSeconds(McpSessionIdleSec) : null,
                toolListCacheTtl: bound.ContainsKey(nameof(ToolListCacheSec)) ? TimeSpan.FromSeconds(ToolListCacheSec) : null,
                checkFiles: true,
                maxResponseSizeMB: bound.ContainsKey(nameof(MaxResponseSizeMB)) ? MaxResponseSizeMB : null,
                proxy: bound.ContainsKey(nameof(Proxy)) ? Proxy : NoProxy.IsPresent && NoProxy.ToBool() ? new Optional<Uri?>(null) : default(Optional<Uri?>),
                proxyCredential: bound.ContainsKey(nameof(ProxyCredential)) ? ProxyCredential?.GetNetworkCredential() : default(Optional<System.Net.NetworkCredential?>),
                noProxy: bound.ContainsKey(nameof(NoProxy)) ? NoProxy.ToBool() : Proxy is not null ? false : null),
                reloadCredentials: bound.ContainsKey(nameof(CredentialPath)));
            WriteVerbose($"Client configuration of this runspace updated (session {State.Id}).");
            if (PassThru)
            {
                WriteObject(AgwClientConfig.From(ClientConfigReport.From(updated, State.Tokens.LocateCredentials())).WithOAuthClients(State.Tokens.SignIns.Clients.Select(GetAgwOAuthClientCommand.ToOutput)).WithEndpointCertificates(GetAgwClientCertificateCommand.All(State.Connections.ClientCertificates)));
            }
        }
        catch (ClientConfigException e)
        {
            ThrowTerminatingError(ErrorRecords.InvalidClientConfig(e));
        }
    }

    private Optional<string?> ResolvePath(string? path) =>
        string.IsNullOrWhiteSpace(path) ? new Optional<string?>(null) : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
