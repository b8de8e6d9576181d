; Inno Setup 6 installer for Ireti Till (Windows x64, per-machine).
;
; Build (on Windows, after PyInstaller has made dist\ireti-till):
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\dist\bundle\ireti-till ^
;        /DOutputDir=..\..\dist\release packaging\windows\ireti-till.iss
; Signed builds add a sign tool named "signtool" (see sign.ps1 / release workflow):
;   iscc /DSign "/Ssigntool=powershell -File sign.ps1 $f" ...
; Both the setup program and the uninstaller are then Authenticode-signed and timestamped.
;
; For IT (see docs/install.md):
;   install    ireti-till-<v>-windows-x64-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;              [/DIR="C:\Program Files\Ireti Till"] [/LOG="C:\Temp\ireti-install.log"]
;              [/TASKS="desktopicon"] [/NOICONS]
;   uninstall  "C:\Program Files\Ireti Till\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;   upgrade    run the newer setup the same way: same AppId, so it replaces the program in
;              place; the data directory (under each user's AppData) is never touched.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\bundle\ireti-till"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist\release"
#endif
#define AppName "Ireti Till"
#define AppExe "ireti-till.exe"

[Setup]
; Never change AppId: it is how an upgrade finds the installed copy.
AppId={{6B0E5C64-2F0B-4B7E-9E3B-5C1D7A0F1E21}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Ireti Till
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-machine install: needs administrator rights, goes to Program Files.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename=ireti-till-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; A running till is closed (politely, then asked) before files are replaced.
CloseApplications=yes
RestartApplications=no
UsePreviousAppDir=yes
#ifdef Sign
SignTool=signtool
SignedUninstaller=yes
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Upgrade in place: clear the previous runtime so no stale library survives. This is the
; program folder only; the ledger and settings live in the user's data directory.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{#AppName} health check"; Filename: "{cmd}"; Parameters: "/k ""{app}\ireti-till-cli.exe"" doctor"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] for user data on purpose: uninstalling never deletes sales.
