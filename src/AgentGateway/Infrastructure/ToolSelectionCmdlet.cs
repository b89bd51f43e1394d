using System.Management.Automation;
using System.Security;

namespace AgentGateway.Infrastructure;

/// <summary>
/// What Get-McpTool, Import-McpTool and Export-McpToolModule share to select tools: -Name (wildcards),
/// -Uri with its -AccessToken for one endpoint outside the dependencies, and -Command (with -ArgumentList,
/// -WorkingDirectory, -Environment) for a local server. Each adds -OrdId and the user token
/// parameters in the parameter sets it has.
/// </summary>
public abstract class ToolSelectionCmdlet : AgwCmdlet
{
    protected const string GatewaySet = "Gateway";
    protected const string UriSet = "Uri";

    /// <summary>Only tools whose name matches (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(McpToolNamePatternCompleter))]
    public string[]? Name { get; set; }

    /// <summary>One MCP endpoint, talked to directly.</summary>
    [Parameter(ParameterSetName = UriSet, Mandatory = true)]
    public Uri? Uri { get; set; }

    /// <summary>A local MCP server to start (once per runspace and command line) and talk to over stdio, instead of -Uri.</summary>
    [Parameter(ParameterSetName = LocalServerBinding.CommandSet, Mandatory = true)]
    public string? Command { get; set; }

    /// <summary>The arguments of -Command.</summary>
    [Parameter(ParameterSetName = LocalServerBinding.CommandSet)]
    public string[]? ArgumentList { get; set; }

    /// <summary>The folder -Command runs in; the current location when not given.</summary>
    [Parameter(ParameterSetName = LocalServerBinding.CommandSet)]
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment variables set for -Command's process (never shown, never written).</summary>
    [Parameter(ParameterSetName = LocalServerBinding.CommandSet)]
    public System.Collections.IDictionary? Environment { get; set; }

    /// <summary>A token for an endpoint outside the gateway (-Uri); the gateway's own tokens never leave its origin.</summary>
    [Parameter(ParameterSetName = UriSet)]
    [SecureStringTransformation]
    public SecureString? AccessToken { get; set; }

    /// <summary>
    /// Completes a sign-in when an MCP server outside the gateway asks for one (its own authorization server): gets the
    /// authorization URL (and the request: RedirectUri, Issuer, Endpoint) and returns the URL the browser was redirected to.
    /// </summary>
    [Parameter]
    public ScriptBlock? AuthorizationHandler { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        SignIn = SignInInteraction.For(this, AuthorizationHandler);
    }

    /// <summary>Whether <paramref name="toolName"/> matches -Name (any tool when -Name is not given).</summary>
    protected bool IsNameSelected(string toolName)
    {
        if (Name is null)
        {
            return true;
        }

        if (!ReferenceEquals(_patternsOf, Name))
        {
            _patterns = [.. Name.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase))];
            _patternsOf = Name;
        }

        return _patterns.Any(n => n.IsMatch(toolName));
    }

    private string[]? _patternsOf;
    private WildcardPattern[] _patterns = [];
}
