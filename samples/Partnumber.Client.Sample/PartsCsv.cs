using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Partnumber.Client.Sample;

/// <summary>One data row of the parts CSV: its request, or why it cannot be classified.</summary>
/// <param name="Line">The 1-based line number where the row starts (the header is line 1).</param>
/// <param name="Request">The request; null when <paramref name="Problem"/> is set.</param>
/// <param name="Problem">Why the row is skipped.</param>
public sealed record CsvPart(int Line, ClassificationRequest? Request, string? Problem);

/// <summary>
/// Reads the parts CSV (header <c>partnumber,description,manufacturer,supplier</c>, any order and case; RFC 4180
/// quoting; UTF-8 with or without BOM) with CsvHelper, lazily, one row at a time.
/// </summary>
public static class PartsCsv
{
    /// <summary>Opens <paramref name="path"/> and yields its rows.</summary>
    public static IEnumerable<CsvPart> Read(string path)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), detectEncodingFromByteOrderMarks: true);
        foreach (var part in Read(reader))
        {
            yield return part;
        }
    }

    /// <summary>Yields the rows read from <paramref name="reader"/>.</summary>
    /// <exception cref="InvalidDataException">The header has no <c>partnumber</c> column.</exception>
    public static IEnumerable<CsvPart> Read(TextReader reader)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            TrimOptions = TrimOptions.Trim,
            MissingFieldFound = null,
            HeaderValidated = null,
            BadDataFound = null,
            DetectColumnCountChanges = false,
        };
        using var csv = new CsvReader(reader, config);
        if (!csv.Read())
        {
            yield break;
        }

        csv.ReadHeader();
        var header = csv.HeaderRecord ?? [];
        var columns = header.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
        var partnumberColumn = columns.IndexOf("partnumber");
        if (partnumberColumn < 0)
        {
            throw new InvalidDataException($"The CSV header must have a 'partnumber' column; found: {string.Join(",", header)}.");
        }

        var descriptionColumn = columns.IndexOf("description");
        var manufacturerColumn = columns.IndexOf("manufacturer");
        var supplierColumn = columns.IndexOf("supplier");
        var previousEnd = csv.Parser.RawRow;

        while (csv.Read())
        {
            // RawRow is the physical line where the record ends; a quoted field may span several lines.
            var raw = csv.Parser.RawRecord.TrimEnd('\r', '\n');
            var line = csv.Parser.RawRow - raw.Count(c => c == '\n');
            previousEnd = csv.Parser.RawRow;

            string? Field(int index) => index < 0 || index >= csv.Parser.Count ? null : Blank(csv.Parser[index]);

            var partnumber = Field(partnumberColumn);
            if (partnumber is null)
            {
                yield return new CsvPart(line, null, "no partnumber");
                continue;
            }

            yield return new CsvPart(line, new ClassificationRequest(partnumber)
            {
                Description = Field(descriptionColumn),
                Manufacturer = Field(manufacturerColumn),
                Supplier = Field(supplierColumn),
            }, null);
        }

        _ = previousEnd;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
