using System.Management.Automation;
using System.Security;

namespace AgentGateway.Infrastructure;

/// <summary>
/// What Get-McpTool, Import-McpTool and Export-McpToolModule share to select tools, besides the endpoint parameters:
/// -Name (wildcards), -AccessToken for an -Uri endpoint outside the dependencies, -UserToken and -UserTokenProvider for a
/// listing as the user (a dependency or an -Uri endpoint: a local server takes no token), and -AuthorizationHandler.
/// Each adds -OrdId in the parameter sets it has.
/// </summary>
public abstract class ToolSelectionCmdlet : EndpointCmdlet
{
    /// <summary>Only tools whose name matches (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(McpToolNamePatternCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A token for an endpoint outside the gateway (-Uri); the gateway's own tokens never leave its origin.</summary>
    [Parameter(ParameterSetName = UriSet)]
    [SecureStringTransformation]
    public SecureString? AccessToken { get; set; }

    /// <summary>The user's JWT: list with the user's exchanged token instead of the system token.</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [Parameter(ParameterSetName = UriSet)]
    [SecureStringTransformation]
    public SecureString? UserToken { get; set; }

    /// <summary>A scriptblock that returns the user's JWT, run before the listing.</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    [Parameter(ParameterSetName = UriSet)]
    public ScriptBlock? UserTokenProvider { get; set; }

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
