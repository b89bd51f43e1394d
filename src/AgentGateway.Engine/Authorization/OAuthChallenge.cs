using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AgentGateway.Engine.Authorization;

/// <summary>
/// What a 401 or 403 of a protected MCP server says (RFC 6750 section 3, RFC 9728 section 5.1): the Bearer
/// challenge's <c>resource_metadata</c>, <c>scope</c> and <c>error</c>. Server text: kept as data, never run.
/// </summary>
internal sealed record OAuthChallenge(int Status, bool HasBearer, string? ResourceMetadata, string? Scope, string? Error)
{
    /// <summary>A 403 that asks for a wider scope (MCP authorization, runtime insufficient scope).</summary>
    public bool IsInsufficientScope => Status == 403 && string.Equals(Error, "insufficient_scope", StringComparison.Ordinal);

    /// <summary>The challenge of <paramref name="response"/>: its first Bearer scheme's parameters.</summary>
    public static OAuthChallenge From(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return From((int)response.StatusCode, response.Headers.WwwAuthenticate);
    }

    internal static OAuthChallenge From(int status, IEnumerable<AuthenticationHeaderValue> headers)
    {
        foreach (var header in headers)
        {
            if (!string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parameters = Parse(header.Parameter);
            return new OAuthChallenge(
                status,
                true,
                parameters.GetValueOrDefault("resource_metadata"),
                parameters.GetValueOrDefault("scope"),
                parameters.GetValueOrDefault("error"));
        }

        return new OAuthChallenge(status, false, null, null, null);
    }

    /// <summary>The auth-params of a challenge: <c>name=token</c> or <c>name="quoted \" string"</c>, comma separated.</summary>
    internal static Dictionary<string, string> Parse(string? parameters)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(parameters))
        {
            return result;
        }

        var i = 0;
        while (i < parameters.Length)
        {
            while (i < parameters.Length && (parameters[i] == ',' || char.IsWhiteSpace(parameters[i])))
            {
                i++;
            }

            var nameStart = i;
            while (i < parameters.Length && parameters[i] != '=' && parameters[i] != ',' && !char.IsWhiteSpace(parameters[i]))
            {
                i++;
            }

            var name = parameters[nameStart..i];
            while (i < parameters.Length && char.IsWhiteSpace(parameters[i]))
            {
                i++;
            }

            if (i >= parameters.Length || parameters[i] != '=')
            {
                continue;
            }

            i++;
            while (i < parameters.Length && char.IsWhiteSpace(parameters[i]))
            {
                i++;
            }

            string value;
            if (i < parameters.Length && parameters[i] == '"')
            {
                var text = new StringBuilder();
                i++;
                while (i < parameters.Length && parameters[i] != '"')
                {
                    if (parameters[i] == '\\' && i + 1 < parameters.Length)
                    {
                        i++;
                    }

                    text.Append(parameters[i++]);
                }

                i++;
                value = text.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < parameters.Length && parameters[i] != ',')
                {
                    i++;
                }

                value = parameters[valueStart..i].Trim();
            }

            if (name.Length > 0)
            {
                result.TryAdd(name, value);
            }
        }

        return result;
    }

    /// <summary>Whether a status is one this challenge path handles (401, or 403 with insufficient_scope).</summary>
    public static bool IsChallenge(HttpStatusCode status) => status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
}
