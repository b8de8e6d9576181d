# Authenticode-sign (SHA-256) and RFC 3161-timestamp one or more files with signtool.
#
#   powershell -File packaging\windows\sign.ps1 FILE [FILE...]
#
# Environment (set from repository secrets by the release workflow; never committed):
#   WINDOWS_CERT_PFX       path to the code-signing certificate (.pfx)
#   WINDOWS_CERT_PASSWORD  its password
#   TIMESTAMP_URL          RFC 3161 timestamp server (default below)
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]]$Files)
$ErrorActionPreference = "Stop"
if (-not $env:WINDOWS_CERT_PFX) { throw "WINDOWS_CERT_PFX is not set" }
$ts = if ($env:TIMESTAMP_URL) { $env:TIMESTAMP_URL } else { "http://timestamp.digicert.com" }
$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
    Sort-Object FullName -Descending | Select-Object -First 1
if (-not $signtool) { throw "signtool.exe not found (Windows SDK)" }
foreach ($f in $Files) {
    & $signtool.FullName sign /fd sha256 /f $env:WINDOWS_CERT_PFX /p $env:WINDOWS_CERT_PASSWORD `
        /tr $ts /td sha256 /d "Ireti Till" $f
    if ($LASTEXITCODE -ne 0) { throw "signtool sign failed for $f" }
    & $signtool.FullName verify /pa /all $f
    if ($LASTEXITCODE -ne 0) { throw "signtool verify failed for $f" }
}
