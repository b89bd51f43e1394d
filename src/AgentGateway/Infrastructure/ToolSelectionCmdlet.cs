using System.Management.Automation;
using System.Security;

namespace AgentGateway.Infrastructure;

/// <summary>
/// What Get-McpTool, Import-McpTool and Export-McpToolModule share to select tools, besides the endpoint parameters:
/// -Name (wildcards), -AccessToken for an -Uri endpoint outside the dependencies, and -AuthorizationHandler. Each adds
/// -OrdId and the user token parameters in the parameter sets it has.
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
