using System.Management.Automation;
using AgentGateway.Infrastructure;

namespace AgentGateway.Commands;

/// <summary>Lists the tools of every MCP server the credentials name, or of one endpoint given by -Uri.</summary>
[Cmdlet(VerbsCommon.Get, "McpTool", DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(McpTool))]
public sealed class GetMcpToolCommand : ToolSelectionCmdlet
{
    /// <summary>Only these servers (ORD ids, wildcards allowed); filtered before any request.</summary>
    [Parameter(ParameterSetName = GatewaySet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(OrdIdCompleter))]
    public string[]? OrdId { get; set; }

    /// <summary>How long the listing may take (every server, its token, session setup and pages); the config's timeout when not given.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400)]
    public double TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryEngine(() => ResolveUserJwt(UserToken, UserTokenProvider), null, out var userJwt))
        {
            return;
        }

        var listing = new ToolListing(this, IsNameSelected);
        IReadOnlyList<Engine.Mcp.McpTarget> targets;
        Engine.Mcp.Transport.McpAuth? auth;
        bool resolved;
        if (ParameterSetName == CommandSet)
        {
            // A local server over stdio: no token of any kind.
            resolved = TryEngine(() => new Engine.Mcp.McpTarget(LocalEndpoint()), Command, out var local) && local is not null;
            targets = resolved ? [local!] : [];
            auth = Engine.Mcp.Transport.McpAuth.None;
        }
        else
        {
            resolved = ParameterSetName == UriSet
                ? listing.TryResolve(Uri!, userJwt, SecureStringTransformationAttribute.Reveal(AccessToken), out targets, out auth)
                : listing.TryResolve(OrdId, userJwt, out targets, out auth);
        }

        if (resolved)
        {
            listing.ListAndWrite(targets, auth!, MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null, Name);
        }
    }
}
