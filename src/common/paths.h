/* Where bulkhead keeps host state. Root-only directories. */
#ifndef BULKHEAD_PATHS_H
#define BULKHEAD_PATHS_H

#define BH_RUN_DIR "/run/bulkhead"
#define BH_VM_DIR BH_RUN_DIR "/vm"      /* one dir per VM name */
#define BH_ID_DIR BH_RUN_DIR "/ids"     /* one file per VM id in use */
#define BH_LOCK_PATH BH_RUN_DIR "/lock" /* serialises name/id/uid choice */
#define BH_REAPER_LOCK BH_RUN_DIR "/reaper.lock"
#define BH_LOG_DIR "/var/log/bulkhead"

#define BH_NAME_MAX 64

#endif
