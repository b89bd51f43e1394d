using System.Globalization;
using System.Text.Json;
using Json.Pointer;

namespace AgentGateway.Engine.Mcp.Tools;

/// <summary>
/// The subschemas of one document, each a node at its JSON Pointer, with edges to the subschemas it applies:
/// in place (to the same value: <c>allOf</c>, <c>not</c>, <c>$ref</c>, ...) or going into the value
/// (<c>properties</c>, <c>items</c>, ...).
/// </summary>
internal sealed class ToolSchemaGraph
{
    private static readonly string[] s_inPlaceSingle = ["not", "if", "then", "else"];
    private static readonly string[] s_inPlaceLists = ["allOf", "anyOf", "oneOf"];
    private static readonly string[] s_inPlaceMaps = ["dependentSchemas", "dependencies"];
    private static readonly string[] s_intoSingle = ["additionalProperties", "additionalItems", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "items"];
    private static readonly string[] s_intoLists = ["prefixItems", "items"];
    private static readonly string[] s_intoMaps = ["properties", "patternProperties"];
    private static readonly string[] s_definitions = ["$defs", "definitions"];
    private static readonly string[] s_references = ["$ref", "$dynamicRef", "$recursiveRef"];

    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Node>> _anchors = new(StringComparer.Ordinal);
    private readonly List<Node> _recursiveAnchors = [];
    private string? _problem;

    public ToolSchemaGraph(JsonElement root) => Index(string.Empty, root, string.Empty);

    public string? FindProblem()
    {
        var start = _nodes[string.Empty];
        var reachable = Reachable(start);
        if (_problem is not null)
        {
            return _problem;
        }

        return FindInPlaceLoop(reachable) ?? Measure(start);
    }

    /// <summary>Every subschema of the document (definitions included, for references), with its resource and anchors.</summary>
    private void Index(string pointer, JsonElement element, string resource)
    {
        var pending = new Stack<(string Pointer, JsonElement Element, string Resource)>();
        pending.Push((pointer, element, resource));
        while (pending.Count > 0)
        {
            var (at, schema, parentResource) = pending.Pop();
            if (_nodes.ContainsKey(at) || schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            {
                continue;
            }

            // A subschema with an $id (not a bare "#anchor", as draft-07 wrote anchors) starts a resource of its own.
            var own = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$id", out var id) && id.ValueKind == JsonValueKind.String
                && !(id.GetString() ?? string.Empty).StartsWith('#');
            var node = new Node(at, schema, own ? at : parentResource);
            _nodes[at] = node;
            if (schema.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var anchor in (string[])["$anchor", "$dynamicAnchor", "$id"])
            {
                if (schema.TryGetProperty(anchor, out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } text)
                {
                    var key = anchor == "$id" ? (text.StartsWith('#') ? text[1..] : null) : text;
                    if (key is not null)
                    {
                        (_anchors.TryGetValue(key, out var list) ? list : _anchors[key] = []).Add(node);
                    }
                }
            }

            if (schema.TryGetProperty("$recursiveAnchor", out var recursive) && recursive.ValueKind == JsonValueKind.True)
            {
                _recursiveAnchors.Add(node);
            }

            foreach (var (child, childPointer, _) in Children(at, schema, includeDefinitions: true))
            {
                pending.Push((childPointer, child, node.Resource));
            }
        }
    }

    /// <summary>The subschemas a schema holds, with whether each applies to the same value (in place).</summary>
    private static IEnumerable<(JsonElement Child, string Pointer, bool InPlace)> Children(string pointer, JsonElement schema, bool includeDefinitions)
    {
        foreach (var property in schema.EnumerateObject())
        {
            var at = pointer + "/" + Escape(property.Name);
            var value = property.Value;
            if (s_inPlaceSingle.Contains(property.Name) || (s_intoSingle.Contains(property.Name) && value.ValueKind != JsonValueKind.Array))
            {
                yield return (value, at, s_inPlaceSingle.Contains(property.Name));
            }
            else if ((s_inPlaceLists.Contains(property.Name) || s_intoLists.Contains(property.Name)) && value.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    yield return (item, at + "/" + (i++).ToString(CultureInfo.InvariantCulture), s_inPlaceLists.Contains(property.Name));
                }
            }
            else if ((s_inPlaceMaps.Contains(property.Name) || s_intoMaps.Contains(property.Name) || (includeDefinitions && s_definitions.Contains(property.Name)))
                && value.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in value.EnumerateObject())
                {
                    // dependencies (draft-07) maps to a schema or to a list of names: only schemas count.
                    if (entry.Value.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False)
                    {
                        yield return (entry.Value, at + "/" + Escape(entry.Name), s_inPlaceMaps.Contains(property.Name));
                    }
                }
            }
        }
    }

    /// <summary>The nodes reachable from <paramref name="start"/>, with the edges of each made (references resolved).</summary>
    private List<Node> Reachable(Node start)
    {
        var seen = new HashSet<Node> { start };
        var order = new List<Node>();
        var pending = new Stack<Node>();
        pending.Push(start);
        while (pending.Count > 0 && _problem is null)
        {
            var node = pending.Pop();
            order.Add(node);
            node.Edges = Edges(node);
            foreach (var edge in node.Edges)
            {
                if (seen.Add(edge.Target))
                {
                    pending.Push(edge.Target);
                }
            }
        }

        return order;
    }

    private List<Edge> Edges(Node node)
    {
        var edges = new List<Edge>();
        if (node.Schema.ValueKind != JsonValueKind.Object)
        {
            return edges;
        }

        foreach (var (_, pointer, inPlace) in Children(node.Pointer, node.Schema, includeDefinitions: false))
        {
            if (_nodes.TryGetValue(pointer, out var child))
            {
                edges.Add(new Edge(child, inPlace, null));
            }
        }

        foreach (var keyword in s_references)
        {
            if (node.Schema.TryGetProperty(keyword, out var reference) && reference.ValueKind == JsonValueKind.String && reference.GetString() is { } text && text.StartsWith('#'))
            {
                var targets = Resolve(node, keyword, text);
                if (targets.Count == 0)
                {
                    _problem ??= $"its {keyword} '{ToolSchemaGuard.Cut(text)}' at '{Where(node)}' points to nothing in the schema";
                }

                edges.AddRange(targets.Select(t => new Edge(t, true, $"{keyword} '{ToolSchemaGuard.Cut(text)}' at '{Where(node)}'")));
            }
        }

        return edges;
    }

    /// <summary>The subschemas a local reference can reach (dynamic ones: every candidate).</summary>
    private List<Node> Resolve(Node from, string keyword, string reference)
    {
        var targets = new List<Node>();
        var fragment = reference.Length > 1 ? Uri.UnescapeDataString(reference[1..]) : string.Empty;
        if (fragment.Length == 0 || fragment.StartsWith('/'))
        {
            if (At(from.Resource, fragment) is { } node)
            {
                targets.Add(node);
            }

            if (keyword == "$recursiveRef")
            {
                targets.AddRange(_recursiveAnchors);
            }
        }
        else if (_anchors.TryGetValue(fragment, out var anchored))
        {
            // A plain anchor names a place in its own resource; a dynamic one may end up at any anchor of that name.
            targets.AddRange(keyword == "$dynamicRef" ? anchored : anchored.Where(a => a.Resource == from.Resource));
        }

        return targets;
    }

    /// <summary>The subschema at <paramref name="fragment"/> (a JSON Pointer) of the resource at <paramref name="resource"/>, indexed if need be.</summary>
    private Node? At(string resource, string fragment)
    {
        if (fragment.Length == 0)
        {
            return _nodes[resource];
        }

        if (!JsonPointer.TryParse(fragment, out var pointer))
        {
            return null;
        }

        var location = resource + fragment;
        if (_nodes.TryGetValue(location, out var known))
        {
            return known;
        }

        // A reference may point into any object of the document (an unusual place for a schema, but a valid one).
        var resourceElement = _nodes[resource].Schema;
        if (pointer.Evaluate(resourceElement) is not { ValueKind: JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False } element)
        {
            return null;
        }

        Index(location, element, resource);
        return _nodes[location];
    }

    /// <summary>A loop of in-place edges (the same value, again and again); depth first, without recursion.</summary>
    private static string? FindInPlaceLoop(List<Node> nodes)
    {
        var state = new Dictionary<Node, int>(); // 1: on the path, 2: done
        foreach (var start in nodes)
        {
            if (state.ContainsKey(start))
            {
                continue;
            }

            var path = new Stack<(Node Node, IEnumerator<Edge> Next)>();
            state[start] = 1;
            path.Push((start, start.Edges.Where(e => e.InPlace).GetEnumerator()));
            while (path.Count > 0)
            {
                var (node, next) = path.Peek();
                if (!next.MoveNext())
                {
                    state[node] = 2;
                    path.Pop();
                    continue;
                }

                var edge = next.Current;
                if (!state.TryGetValue(edge.Target, out var seen))
                {
                    state[edge.Target] = 1;
                    path.Push((edge.Target, edge.Target.Edges.Where(e => e.InPlace).GetEnumerator()));
                }
                else if (seen == 1)
                {
                    // The loop: the path from the edge's target to here, closed by the edge; a reference in it names it.
                    var loop = path.Select(p => p.Node).TakeWhile(n => n != edge.Target).Append(edge.Target).ToList();
                    var via = edge.Via ?? loop.Zip(loop.Skip(1))
                        .SelectMany(pair => pair.Second.Edges.Where(e => e.Target == pair.First && e.Via is not null).Select(e => e.Via))
                        .FirstOrDefault() ?? $"'{Where(edge.Target)}'";
                    return $"its {via} leads back to where it started without going into the arguments, a loop without end";
                }
            }
        }

        return null;
    }

    /// <summary>How deep the subschemas nest (references followed, loops cut) and how far references multiply them.</summary>
    private static string? Measure(Node start)
    {
        // Post-order, without recursion: each node's depth and expansions from its children's.
        var depth = new Dictionary<Node, int>();
        var inPlace = new Dictionary<Node, long>();
        var all = new Dictionary<Node, long>();
        var onPath = new HashSet<Node>();
        var path = new Stack<(Node Node, int Next)>();
        path.Push((start, 0));
        onPath.Add(start);
        while (path.Count > 0)
        {
            var (node, next) = path.Pop();
            if (next < node.Edges.Count)
            {
                path.Push((node, next + 1));
                var target = node.Edges[next].Target;
                if (!depth.ContainsKey(target) && onPath.Add(target))
                {
                    if (path.Count >= ToolSchemaGuard.MaxSubschemaDepth)
                    {
                        return $"its subschemas, with their $refs followed, nest deeper than {ToolSchemaGuard.MaxSubschemaDepth} levels";
                    }

                    path.Push((target, 0));
                }

                continue;
            }

            // Every child done (or on the path: a loop, cut): this node's figures.
            var (d, p, a) = (0, 1L, 1L);
            foreach (var edge in node.Edges)
            {
                if (depth.TryGetValue(edge.Target, out var childDepth))
                {
                    d = Math.Max(d, childDepth + 1);
                    a = Math.Min(a + all[edge.Target], ToolSchemaGuard.MaxExpansion + 1L);
                    if (edge.InPlace)
                    {
                        p = Math.Min(p + inPlace[edge.Target], ToolSchemaGuard.MaxExpansion + 1L);
                    }
                }
            }

            onPath.Remove(node);
            (depth[node], inPlace[node], all[node]) = (d, p, a);
            if (d + path.Count > ToolSchemaGuard.MaxSubschemaDepth)
            {
                return $"its subschemas, with their $refs followed, nest deeper than {ToolSchemaGuard.MaxSubschemaDepth} levels";
            }

            if (p > ToolSchemaGuard.MaxExpansionAtOneValue)
            {
                return $"its $refs multiply it into more than {ToolSchemaGuard.MaxExpansionAtOneValue:N0} subschemas for one value (at '{Where(node)}')";
            }

            if (a > ToolSchemaGuard.MaxExpansion)
            {
                return $"its $refs multiply it into more than {ToolSchemaGuard.MaxExpansion:N0} subschemas";
            }
        }

        return null;
    }

    private static string Where(Node node) => node.Pointer.Length == 0 ? "#" : ToolSchemaGuard.Cut("#" + node.Pointer);

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private sealed class Node(string pointer, JsonElement schema, string resource)
    {
        public string Pointer { get; } = pointer;

        public JsonElement Schema { get; } = schema;

        /// <summary>The pointer of the schema resource it belongs to (the document, or the nearest subschema with an $id).</summary>
        public string Resource { get; } = resource;

        public List<Edge> Edges { get; set; } = [];
    }

    /// <param name="Target">The subschema applied.</param>
    /// <param name="InPlace">Whether it applies to the same value (not to a value inside it).</param>
    /// <param name="Via">For a reference: the keyword, its value and where it is (for the message).</param>
    private sealed record Edge(Node Target, bool InPlace, string? Via);
}
