using System.Collections;
using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Transport;
using AgentGateway.Engine.Runspace;

namespace AgentGateway.Infrastructure;

/// <summary>
/// The servers a prompt or resource command line names, with the auth its call would use: for what Tab and a prompt's
/// argument parameters list in the background and for whom completion/complete asks. A local server (-Command) is
/// one already running in the runspace (Tab never starts a process; a command that runs resolves its own); -Uri gets
/// -AccessToken, the gateway -UserToken, as the call does (a -UserTokenProvider is not run for this: the credentials'
/// own token lists); without -Uri or -OrdId, every dependency of the credentials.
/// </summary>
internal sealed record PrimitiveScope(IReadOnlyList<McpTarget> Targets, McpAuth Auth, bool IsDependencies)
{
    /// <summary>
    /// How long Tab waits for a listing or an answer of a server (about a second, so Tab never hangs: a slower
    /// answer still comes into the runspace, and the next Tab has it).
    /// </summary>
    public static TimeSpan TabBound => TimeSpan.FromSeconds(1);

    /// <summary>The scope of what was typed on the line (Tab: the fake-bound values); null when it names nothing usable.</summary>
    public static PrimitiveScope? OfLine(RunspaceState state, IDictionary bound)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(bound);
        if (Text(bound["Command"]) is { } command)
        {
            var arguments = bound["ArgumentList"] switch
            {
                null => [],
                string one => [one],
                IEnumerable many => many.Cast<object?>().Select(Text).OfType<string>().ToArray(),
                var other => [Text(other) ?? string.Empty],
            };
            return RunningLocal(state, command, arguments);
        }

        var uri = Text(bound["Uri"]) is { } text && System.Uri.TryCreate(text, UriKind.Absolute, out var parsed) ? parsed : null;
        return Of(state, uri, Text(bound["OrdId"]), Secret(bound["AccessToken"]), Secret(bound["UserToken"]));
    }

    /// <summary>The local server of this command line already running in the runspace (Tab starts no process); null when there is none.</summary>
    public static PrimitiveScope? RunningLocal(RunspaceState state, string command, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(state);
        var local = state.Connections.LocalServers.All.FirstOrDefault(s => s.Command == command && s.Arguments.SequenceEqual(arguments));
        return local is null ? null : Local(local.Endpoint);
    }

    /// <summary>The scope of a local server's endpoint: no token of any kind.</summary>
    public static PrimitiveScope Local(Uri endpoint) => new([new McpTarget(endpoint)], McpAuth.None, IsDependencies: false);

    /// <summary>The -Uri endpoint, the -OrdId dependency, or every dependency; null when there is none (no credentials, an unknown ORD id, a user token that is no JWT).</summary>
    public static PrimitiveScope? Of(RunspaceState state, Uri? uri, string? ordId, string? accessToken, string? userJwt)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            if (uri is not null)
            {
                return McpLocalServer.IsLocal(uri) ? Local(uri) : new([new McpTarget(uri)], state.Tokens.AuthFor(uri, userJwt, accessToken), IsDependencies: false);
            }

            if (ordId is not null)
            {
                var target = state.Tokens.TargetForOrdId(ordId);
                return new([target], state.Tokens.AuthFor(target.Url, userJwt, null), IsDependencies: false);
            }

            var targets = state.Tokens.DependencyTargets();
            return targets.Count == 0 ? null : new(targets, state.Tokens.AuthFor(targets[0].Url, userJwt, null), IsDependencies: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing to list or ask; the command itself says what is wrong when it runs.
            return null;
        }
    }

    /// <summary>Whether <paramref name="endpoint"/> is one of the servers of this scope.</summary>
    public bool Has(Uri endpoint) => Targets.Any(t => t.Url == endpoint);

    /// <summary>A typed value as text: a string (not empty), a URI, a number; else null.</summary>
    public static string? Text(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value) switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        Uri u => u.ToString(),
        var other when other.GetType().IsPrimitive => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A typed token (a string, a SecureString, a PSCredential's password) as text, for the engine; else null.</summary>
    private static string? Secret(object? value) => (value is PSObject wrapped ? wrapped.BaseObject : value) switch
    {
        string s => string.IsNullOrWhiteSpace(s) ? null : s,
        SecureString secure => SecureStringTransformationAttribute.Reveal(secure),
        PSCredential credential => SecureStringTransformationAttribute.Reveal(credential.Password),
        _ => null,
    };
}
