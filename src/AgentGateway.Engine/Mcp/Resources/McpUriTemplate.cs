using System.Text;
using System.Text.RegularExpressions;

namespace AgentGateway.Engine.Mcp.Resources;

/// <summary>
/// RFC 6570 URI templates as resource templates use them: the variables of a template, and its expansion with string
/// values (levels 1 to 3: simple, reserved <c>+</c>, fragment <c>#</c>, label <c>.</c>, path <c>/</c>, parameter <c>;</c>,
/// query <c>?</c> and <c>&amp;</c>; a prefix <c>:n</c> and an explode <c>*</c> are read, a value is one string).
/// </summary>
internal partial class McpUriTemplate
{
    /// <summary>The variable names of <paramref name="template"/>, in order, each once.</summary>
    public static IReadOnlyList<string> Variables(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var names = new List<string>();
        foreach (Match expression in Expression().Matches(template))
        {
            foreach (var spec in Specs(expression.Groups["body"].Value))
            {
                if (!names.Contains(spec.Name, StringComparer.Ordinal))
                {
                    names.Add(spec.Name);
                }
            }
        }

        return names;
    }

    /// <summary>
    /// The URI: <paramref name="template"/> with each variable replaced by its value in <paramref name="values"/>
    /// (a variable without a value is left out, as RFC 6570 has it).
    /// </summary>
    public static string Expand(string template, IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        return Expression().Replace(template, m =>
        {
            var body = m.Groups["body"].Value;
            var op = body.Length > 0 && "+#./;?&".Contains(body[0], StringComparison.Ordinal) ? body[0] : '\0';
            var (first, separator, named, ifEmpty, reserved) = op switch
            {
                '+' => ("", ",", false, "", true),
                '#' => ("#", ",", false, "", true),
                '.' => (".", ".", false, "", false),
                '/' => ("/", "/", false, "", false),
                ';' => (";", ";", true, "", false),
                '?' => ("?", "&", true, "=", false),
                '&' => ("&", "&", true, "=", false),
                _ => ("", ",", false, "", false),
            };
            var parts = new List<string>();
            foreach (var spec in Specs(body))
            {
                if (!values.TryGetValue(spec.Name, out var value) || value is null)
                {
                    continue;
                }

                if (spec.Prefix is { } prefix && prefix < value.Length)
                {
                    value = value[..prefix];
                }

                var encoded = Encode(value, reserved);
                parts.Add(!named ? encoded : value.Length == 0 ? spec.Name + ifEmpty : $"{spec.Name}={encoded}");
            }

            return parts.Count == 0 ? string.Empty : first + string.Join(separator, parts);
        });
    }

    /// <summary>
    /// <see cref="Expand"/> after a check: every variable of the template given a value, and no value for a variable it
    /// does not have (nothing is sent otherwise); the message names the variables, never a value.
    /// </summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var variables = Variables(template);
        var missing = variables.Where(v => !values.TryGetValue(v, out var value) || value is null).ToArray();
        var unknown = values.Keys.Where(k => !variables.Contains(k, StringComparer.Ordinal)).ToArray();
        if (missing.Length > 0 || unknown.Length > 0)
        {
            var problems = new List<string>();
            if (missing.Length > 0)
            {
                problems.Add($"no value for {string.Join(", ", missing.Select(m => $"'{m}'"))}");
            }

            if (unknown.Length > 0)
            {
                problems.Add($"{string.Join(", ", unknown.Select(u => $"'{u}'"))} {(unknown.Length == 1 ? "is no variable" : "are no variables")} of it");
            }

            throw new McpPrimitiveException(
                McpPrimitiveProblem.ArgumentsInvalid,
                $"The resource template '{template}' was not read: {string.Join("; ", problems)} (its variables: {(variables.Count == 0 ? "none" : string.Join(", ", variables))}).",
                template);
        }

        return Expand(template, values);
    }

    private static IEnumerable<(string Name, int? Prefix)> Specs(string body)
    {
        var list = body.Length > 0 && "+#./;?&".Contains(body[0], StringComparison.Ordinal) ? body[1..] : body;
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var spec = raw.TrimEnd('*');
            var colon = spec.IndexOf(':', StringComparison.Ordinal);
            int? prefix = colon > 0 && int.TryParse(spec.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : null;
            var name = colon > 0 ? spec[..colon] : spec;
            if (name.Length > 0)
            {
                yield return (name, prefix);
            }
        }
    }

    /// <summary>Percent-encodes all but the unreserved characters (and, for <c>+</c> and <c>#</c>, the reserved ones and existing escapes).</summary>
    private static string Encode(string value, bool allowReserved)
    {
        var builder = new StringBuilder(value.Length);
        var bytes = Encoding.UTF8.GetBytes(value);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var c = (char)b;
            var unreserved = b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');
            var keep = unreserved || (allowReserved && b < 0x80 && (":/?#[]@!$&'()*+,;=".Contains(c, StringComparison.Ordinal)
                || (c == '%' && i + 2 < bytes.Length && char.IsAsciiHexDigit((char)bytes[i + 1]) && char.IsAsciiHexDigit((char)bytes[i + 2]))));
            builder.Append(keep ? c.ToString() : $"%{b:X2}");
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"\{(?<body>[^{}]*)\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Expression();
}
