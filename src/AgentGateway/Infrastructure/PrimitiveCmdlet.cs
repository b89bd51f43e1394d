using System.Management.Automation;
using System.Security;
using AgentGateway.Engine.Mcp;
using AgentGateway.Engine.Mcp.Calls;
using AgentGateway.Engine.Mcp.Transport;

namespace AgentGateway.Infrastructure;

/// <summary>
/// What the resource and prompt cmdlets share besides the endpoint and user parameters: -AccessToken, the servers to
/// talk to (the dependencies, narrowed by -OrdId, one -Uri endpoint with its -AccessToken, or a local server), and
/// writing a multi-server outcome (each failed server one non-terminating error, naming it).
/// </summary>
public abstract class PrimitiveCmdlet : UserEndpointCmdlet
{
    /// <summary>A token for an endpoint outside the gateway (-Uri, or a piped object of one); the gateway's own tokens never leave its origin.</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? AccessToken { get; set; }

    /// <summary>
    /// The servers: the -Uri endpoint, or the dependencies whose ORD id matches one of <paramref name="ordIds"/> (all when
    /// null; a literal ORD id that names no dependency is an error, a wildcard that matches none is not), with the auth for
    /// them. False (after writing the error) when there is none to talk to.
    /// </summary>
    private protected bool TryTargets(string[]? ordIds, string? userJwt, out IReadOnlyList<McpTarget> targets, out McpAuth auth)
    {
        targets = [];
        auth = null!;
        if (ParameterSetName == CommandSet)
        {
            if (!TryEngine(() => new McpTarget(LocalEndpoint()), Command, out var local) || local is null)
            {
                return false;
            }

            // A local server gets no token of any kind.
            targets = [local];
            auth = McpAuth.None;
            return true;
        }

        if (ParameterSetName == UriSet)
        {
            if (!TryEngine(() => new McpTarget(Uri!), Uri, out var target) || target is null ||
                !TryEngine(() => State.Tokens.AuthFor(target.Url, userJwt, SecureStringTransformationAttribute.Reveal(AccessToken)), Uri, out var uriAuth) || uriAuth is null)
            {
                return false;
            }

            targets = [target];
            auth = uriAuth;
            return true;
        }

        var literals = ordIds?.Where(o => !WildcardPattern.ContainsWildcardCharacters(o)).ToArray() ?? [];
        if (literals.Length > 0)
        {
            TryEngine(() => { State.Tokens.ThrowIfNoDependency(literals); return true; }, null, out _);
        }

        var filters = ordIds?.Select(o => WildcardPattern.Get(o, WildcardOptions.IgnoreCase)).ToArray();
        if (!TryEngine(() => State.Tokens.DependencyTargets(d => filters is null || filters.Any(f => f.IsMatch(d.OrdId))), ordIds, out var found) || found is null || found.Count == 0 ||
            !TryEngine(() => State.Tokens.AuthFor(found[0].Url, userJwt, null), found[0].Url, out var gatewayAuth) || gatewayAuth is null)
        {
            return false;
        }

        targets = found;
        auth = gatewayAuth;
        return true;
    }

    /// <summary>The items of each server that listed, in order; a server that failed is one non-terminating error naming it.</summary>
    private protected IEnumerable<T> Succeeded<T>(IReadOnlyList<McpServerOutcome<IReadOnlyList<T>>> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            if (outcome.Error is not null)
            {
                WriteError(ErrorRecords.From(outcome.Error, (object?)outcome.Target.Dependency?.OrdId ?? outcome.Target.Url));
                continue;
            }

            foreach (var item in outcome.Value!)
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// Writes a prompt or resource listing: each server that failed as one error naming it, each unusable entry as one
    /// error naming its server, each entry whose name matches <paramref name="names"/> and that <paramref name="selected"/>
    /// keeps as <paramref name="output"/> makes it; then, when a server listed at all, each literal name that no entry has
    /// as an error with the closest names (a wildcard that matches none is not).
    /// (<typeparamref name="T"/> is an <see cref="McpListedEntry"/>; not a constraint, which would load the engine with
    /// this type at Import-Module: the engine loads on first use.)
    /// </summary>
    private protected void WriteListing<T>(
        IReadOnlyList<McpServerOutcome<IReadOnlyList<T>>> outcomes, string primitive, string[]? names, Func<T, bool> selected, Func<T, object> output)
    {
        var listed = new List<string>();
        foreach (var item in Succeeded(outcomes))
        {
            var entry = (McpListedEntry)(object)item!;
            if (entry.Problem is not null)
            {
                WriteError(ErrorRecords.From(McpGatewayException.Protocol($"The MCP server '{entry.ServerName}' listed an unusable entry: {entry.Problem}.", entry.Url), entry.Url));
                continue;
            }

            listed.Add(entry.Name);
            if (Matches(names, entry.Name) && selected(item))
            {
                WriteObject(output(item));
            }
        }

        if (outcomes.Any(o => o.Succeeded))
        {
            foreach (var literal in names?.Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !listed.Contains(n, StringComparer.OrdinalIgnoreCase)) ?? [])
            {
                WriteError(ErrorRecords.PrimitiveNotFound(primitive, literal, listed));
            }
        }
    }

    /// <summary>
    /// -Arguments of a prompt or a resource template as strings (both take string values only): each key with its value
    /// converted as PowerShell converts to [string]; null when none were given.
    /// </summary>
    protected static Dictionary<string, string?>? StringArguments(System.Collections.IDictionary? arguments)
    {
        if (arguments is null)
        {
            return null;
        }

        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in arguments)
        {
            var key = LanguagePrimitives.ConvertTo<string>(entry.Key);
            var value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            result[key] = value is null ? null : LanguagePrimitives.ConvertTo<string>(value);
        }

        return result;
    }

    /// <summary>Whether <paramref name="value"/> matches one of <paramref name="patterns"/> (any value when none is given).</summary>
    protected static bool Matches(string[]? patterns, string? value) =>
        patterns is null || (value is not null && patterns.Any(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase).IsMatch(value)));
}
