using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Partnumber.Client.Testing.Internal.Backend;

/// <summary>
/// Recorded request headers: a read-only, case-insensitive map over one array. The journal keeps up to
/// <see cref="FakePartnumberServerOptions.JournalCapacity"/> sessions and requests, each with its headers; a
/// <see cref="Dictionary{TKey, TValue}"/> per entry would hold about three times the bytes of this one array for its
/// buckets and entries, and ten headers are found faster by a scan than by hashing.
/// </summary>
internal sealed class HeaderCollection : IReadOnlyDictionary<string, string>
{
    private readonly KeyValuePair<string, string>[] _headers;

    /// <summary>Takes the headers in order; a repeated name (compared case-insensitively) keeps its last value.</summary>
    public HeaderCollection(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var list = new List<KeyValuePair<string, string>>(headers is ICollection<KeyValuePair<string, string>> known ? known.Count : 8);
        foreach (var header in headers)
        {
            var index = IndexOf(list, header.Key);
            if (index >= 0)
            {
                list[index] = header;
            }
            else
            {
                list.Add(header);
            }
        }

        _headers = list.ToArray();
    }

    public int Count => _headers.Length;

    public IEnumerable<string> Keys => _headers.Select(h => h.Key);

    public IEnumerable<string> Values => _headers.Select(h => h.Value);

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The header '{key}' was not recorded.");

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        foreach (var header in _headers)
        {
            if (string.Equals(header.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                value = header.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_headers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int IndexOf(List<KeyValuePair<string, string>> list, string key)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
