using System.Management.Automation;
using System.Security;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The base of the cmdlets that list or call on behalf of a user when asked (Invoke-McpTool and the prompt and resource
/// cmdlets): -UserToken or -UserTokenProvider for the user's JWT, and -TimeoutSec, besides the endpoint parameters.
/// </summary>
public abstract class UserEndpointCmdlet : EndpointCmdlet
{
    /// <summary>The user's JWT: talk to the servers with the user's exchanged token instead of the system token.</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? UserToken { get; set; }

    /// <summary>A scriptblock that returns the user's JWT, run before each request.</summary>
    [Parameter]
    public ScriptBlock? UserTokenProvider { get; set; }

    /// <summary>How long the operation may take; the config's timeout when not given.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400)]
    public double TimeoutSec { get; set; }

    /// <summary>-TimeoutSec when given, else null (the config's).</summary>
    protected TimeSpan? Timeout => MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null;

    /// <summary>The user's JWT (null: the system token); runs -UserTokenProvider, on the pipeline thread.</summary>
    protected string? UserJwt() => ResolveUserJwt(UserToken, UserTokenProvider);

    /// <summary>The user's JWT, once per record (null: the system token); false after an error was written.</summary>
    protected bool TryUserJwt(out string? userJwt) => TryEngine(UserJwt, null, out userJwt);
}
