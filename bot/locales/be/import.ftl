## Імпарт праграм, паездак і мерапрыемстваў; спіс удзельнікаў і выгрузка.
## Тэксты памылак без тэгаў: іх друкуе і камандны радок.

## Дзе памылка

import-at-path = { $path }
import-at-line = радок { $line }
import-at-cell = аркуш { $sheet }, радок { $row }, слупок { $column }
import-at-row = аркуш { $sheet }, радок { $row }
import-at-column = аркуш { $sheet }, слупок { $column }
import-at-sheet = аркуш { $sheet }
import-at-file = файл
import-error-line = { $where }: { $problem }

## Што не так

import-error-too-big = файл важыць { $size } МБ, а можна не больш за { $limit } МБ. Падзяліце яго на некалькі файлаў.
import-error-format = такі фармат не падыходзіць. Патрэбна табліца .xlsx або тэкставы файл .yaml (.yml).
import-error-encoding = файл не ў кадоўцы UTF-8: захавайце яго як UTF-8 (у Нататніку: «Захаваць як» → кадоўка UTF-8) і дашліце зноў.
import-error-yaml = памылка разметкі YAML у гэтым радку або непасрэдна перад ім. Праверце водступы, двукроп'і і двукоссі.
import-error-yaml-tab = у водступе стаіць табуляцыя. У YAML водступы робяцца толькі прабеламі: замяніце табуляцыю прабеламі.
import-error-yaml-alias = у файле ёсць спасылка YAML (*імя). Такія спасылкі не прымаюцца: напішыце значэнні цалкам у кожным месцы, дзе яны патрэбныя.
import-error-yaml-character = у тэксце ёсць нябачны службовы сімвал ({ $code }). Выдаліце яго або перадрукуйце гэты радок.
import-error-field-twice = поле «{ $field }» пазначана двойчы.
import-error-not-xlsx = файл не адкрываецца як табліца Excel. Захавайце яго ў Excel або LibreOffice як «Кніга Excel (.xlsx)».
import-error-unpacked-too-big = табліца занадта вялікая: у распакаваным выглядзе больш за { $limit } МБ.
import-error-xlsx-unusual = табліца ўладкавана незвычайна (у ёй занадта шмат унутраных частак або занадта моцна сціснутыя даныя), і бот не будзе яе чытаць. Захавайце яе нанова ў Excel або LibreOffice як «Кніга Excel (.xlsx)».
import-error-xlsx-unsafe = унутры табліцы ёсць азначэнні XML-сутнасцей, якіх Excel не піша, і бот не будзе яе чытаць. Захавайце яе нанова ў Excel або LibreOffice як «Кніга Excel (.xlsx)».
import-error-time-limit = бот чытаў файл { $seconds } с і не дачытаў: файл занадта вялікі або складаны. Падзяліце яго на некалькі файлаў або прыберыце лішнія аркушы, радкі і слупкі.
import-error-memory-limit = для чытання файла патрэбна больш за { $limit } МБ памяці: файл занадта вялікі або складаны. Падзяліце яго на некалькі файлаў або прыберыце лішнія аркушы, радкі і слупкі.
import-error-unreadable = файл не ўдалося прачытаць. Захавайце яго нанова (табліцу — як «Кніга Excel (.xlsx)», тэкст — у кадоўцы UTF-8) і дашліце зноў.
import-error-reader-failed = бот зараз не змог пачаць чытанне файла: гэта не памылка ў файле. Дашліце яго яшчэ раз праз хвіліну; калі не атрымаецца — паведаміце адміністратару.
import-error-empty = у файле няма ні праграм, ні паездак, ні мерапрыемстваў, ні пунктаў дарожнай карты.
import-error-top-level = файл павінен складацца з раздзелаў programmes, trips, events і roadmap (кожны — з новага радка, без водступу, з двукроп'ем у канцы).
import-error-unknown-section = невядомы раздзел «{ $name }». Магчымыя раздзелы: { $expected }.
import-error-unknown-sheet = невядомы аркуш «{ $name }». Магчымыя аркушы: { $expected }.
import-error-not-list = тут павінен быць спіс: кожны элемент з новага радка, пачынаючы з «- ».
import-error-not-mapping = элемент спіса павінен складацца з палёў выгляду «поле: значэнне».
import-error-too-many = больш за { $limit } запісаў у адным раздзеле. Падзяліце файл на некалькі.
import-error-too-many-columns = даныя правей за слупок { $column }: на аркушы чытаюцца толькі першыя { $limit } слупкоў. Перанясіце гэтыя даныя ў патрэбныя слупкі або выдаліце іх.
import-error-unknown-field = невядомае поле «{ $name }».
import-error-unknown-field-hint = невядомае поле «{ $name }». Магчыма, мелася на ўвазе { $hint }?
import-error-unknown-column = невядомы слупок «{ $name }».
import-error-unknown-column-hint = невядомы слупок «{ $name }». Магчыма, мелася на ўвазе { $hint }?
import-error-duplicate-column = слупок з такой назвай ужо ёсць на гэтым аркушы.
import-error-missing-column = няма абавязковага слупка «{ $column }».
import-error-headerless = у слупку { $column } ёсць даныя, але няма назвы слупка ў першым радку.
import-error-required = абавязковае поле не запоўнена.
import-error-not-scalar = тут патрэбна адно значэнне, а не спіс або ўкладзеныя палі.
import-error-list = тут патрэбны спіс значэнняў або значэнні праз кропку з коскай.
import-error-too-many-items = занадта шмат значэнняў: { $count }, можна не больш за { $limit }.
import-error-too-long = занадта доўгі тэкст: { $length } { $length ->
    [one] сімвал
    [few] сімвалы
   *[many] сімвалаў
}, можна не больш за { $limit }.
import-error-key = ключ «{ $value }» не падыходзіць: патрэбны літары, лічбы, «-», «_» або «.», без прабелаў, не даўжэй за { $limit } сімвалаў.
import-error-question-key = ключ пытання «{ $value }» не падыходзіць: патрэбны лацінскія літары, лічбы, «-» або «_», без прабелаў, не даўжэй за { $limit } сімвалаў.
import-error-choice = значэнне «{ $value }» не падыходзіць. Магчымыя значэнні: { $allowed }.
import-error-role = невядомая сфера «{ $value }». Магчымыя: { $allowed }.
import-error-city = невядомы горад «{ $value }». Магчымыя: { $allowed }.
import-error-integer = «{ $value }» — не цэлы лік.
import-error-range = патрэбны лік ад { $low } да { $high }, а пазначана { $value }.
import-error-flag = «{ $value }» — тут патрэбна «так» або «не» (yes або no).
import-error-datetime = дата «{ $value }» не распазнана. Пішыце так: 15.03.2027, 15.03.2027 09:30 або 2027-03-15.
import-error-telegram-id = «{ $value }» — не Telegram id: патрэбны дадатны цэлы лік.
import-error-same-city = горад прызначэння супадае з горадам адпраўлення.
import-error-end-before-start = заканчэнне раней за пачатак.
import-error-deadline-after-start = запіс павінен заканчвацца раней за пачатак паездкі.
import-error-start-past = дата пачатку ўжо мінула. Мінулую паездку можна загрузіць толькі са статусам finished.
import-error-deadline-past = тэрмін запісу ўжо мінуў. Пазначце дату ў будучыні або статус finished для мінулай паездкі.
import-error-capacity-below-seated = на паездку ўжо { $seated ->
    [one] запісаны { $seated } чалавек
    [few] запісаны { $seated } чалавекі
   *[many] запісаны { $seated } чалавек
}, месцаў не можа быць менш.
import-error-cancel-in-bot = у паездкі { $count ->
    [one] { $count } дзейная заяўка
    [few] { $count } дзейныя заяўкі
   *[many] { $count } дзейных заявак
}. Адмяніце паездку ў боце, кнопкай на яе картцы, каб удзельнікі атрымалі апавяшчэнне.
import-error-duplicate-key = ключ «{ $value }» ужо сустракаецца: { $first }.
import-error-question-twice = ключ пытання «{ $value }» ужо ёсць у гэтай паездкі.
import-error-unknown-programme = праграма з ключом «{ $value }» не знойдзена ні ў файле, ні ў базе.
import-error-unknown-trip = паездка з ключом «{ $value }» не знойдзена ні ў файле, ні ў базе.
import-error-unknown-event = мерапрыемства з ключом «{ $value }» не знойдзена ні ў файле, ні ў базе.
import-error-roadmap-number-twice = нумар пункта { $number } ужо сустракаецца: { $first }.
import-error-roadmap-number-taken = нумар { $number } ужо ў іншага пункта дарожнай карты ў базе (з іншым ключом).
import-error-responsible = «{ $value }» — не бок. Пазначце код горада ({ $allowed }) або both (абодва гарады).
import-error-due = тэрмін «{ $value }» незразумелы. Пішыце год (2026) або квартал: 2026-Q2, II квартал 2026.
import-error-question-trip = паездкі з ключом «{ $value }» няма на аркушы trips.
import-error-options-missing = для пытання тыпу choice пазначце хаця б два варыянты адказу ў options.
import-error-options-unexpected = варыянты адказу (options) бываюць толькі ў пытанняў тыпу choice, а тут тып { $type }.
import-error-option-too-long = варыянт «{ $value }» занадта доўгі для кнопкі: можна не больш за 60 сімвалаў.
import-error-option-twice = варыянт «{ $value }» паўтараецца.

## У боце

import-refused-member = Загружаць праграмы, паездкі і мерапрыемствы з файла могуць толькі арганізатары. Калі вы арганізатар, папрасіце адміністратара выдаць вам правы.
import-too-big = Файл «{ $name }» занадта вялікі: { $size } МБ. Можна загрузіць файл да { $limit } МБ — падзяліце яго на некалькі.
import-unknown-format = Файл «{ $name }» не падобны на файл імпарту. Дашліце табліцу .xlsx або файл .yaml па ўзоры: апісанне фармату і прыклад ляжаць у папках docs і examples рэпазіторыя бота.
import-file-unreadable = Не атрымалася прачытаць дасланы файл на серверы бота. Гэта не памылка ў файле: паведаміце адміністратару бота (трэба праверыць, што папка файлаў сервера Bot API падключана да бота), і паспрабуйце яшчэ раз пазней.
import-failed = <b>Файл «{ $name }» не загружаны</b>: { $count ->
    [one] знойдзена { $count } памылка
    [few] знойдзены { $count } памылкі
   *[many] знойдзена { $count } памылак
}. Нічога не запісана — выпраўце файл і дашліце яго зноў.
import-errors-more = …і яшчэ { $count ->
    [one] { $count } памылка
    [few] { $count } памылкі
   *[many] { $count } памылак
}.
import-done = <b>Файл «{ $name }» загружаны.</b>
import-summary-programmes = Праграмы: новых { $created }, абноўлена { $updated }.
import-summary-trips = Паездкі: новых { $created }, абноўлена { $updated }.
import-summary-events = Мерапрыемствы: новых { $created }, абноўлена { $updated }.
import-summary-roadmap = Дарожная карта: новых { $created }, абноўлена { $updated }.
import-promoted = У паездках стала больш месцаў: з ліста чакання { $count ->
    [one] пераведзены { $count } чалавек
    [few] пераведзены { $count } чалавекі
   *[many] пераведзена { $count } чалавек
}, ім адпраўлена апавяшчэнне.

## Камандны радок (просты тэкст)

import-cli-not-found = Файл { $path } не знойдзены або не чытаецца.
import-cli-failed = Файл { $name } не загружаны: { $count ->
    [one] { $count } памылка
    [few] { $count } памылкі
   *[many] { $count } памылак
}. Нічога не запісана.
import-cli-done = Файл { $name } загружаны.
import-cli-promoted = З ліста чакання на вызваленыя месцы пераведзена чалавек: { $count }.
demo-not-empty = У базе ўжо ёсць паездкі ({ $count }). Дэманстрацыйныя даныя загружаюцца толькі ў пустую базу, каб не змяшацца з сапраўднымі. Для дэманстрацыі пазначце іншы DATABASE_PATH.
demo-done = Дэманстрацыйная праграма Сочы — Мінск загружана.

## Удзельнікі паездкі

participants-title = <b>Удзельнікі: { $trip }</b>
participants-total = Усяго заявак: { $count }
participants-count = { $label }: { $count }
participants-group-pending = Чакаюць рашэння
participants-group-approved = Ухвалены
participants-group-waitlisted = У лісце чакання
participants-group-rejected = Адхілены
participants-group-cancelled = Адмовіліся ад удзелу
participants-line = { $number }. { $name } — { $organisation } · { $status }
participants-line-waitlisted = { $number }. { $name } — { $organisation } · у лісце чакання, № { $position }
participants-no-name = (даныя выдалены)
participants-no-organisation = арганізацыя не пазначана
participants-empty = Пакуль ніхто не запісаўся.
participants-page = Старонка { $page } з { $pages }
participants-btn-export = 📥 Выгрузіць XLSX і CSV
participants-btn-back = ← Да паездкі

## Выгрузка

export-sending = Рыхтую файлы…
export-empty = У паездцы пакуль няма заявак: выгружаць няма чаго.
export-caption = Удзельнікі паездкі «{ $trip }»: { $count ->
    [one] { $count } заяўка
    [few] { $count } заяўкі
   *[many] { $count } заявак
}.
export-sheet = Удзельнікі
export-col-status = Статус
export-col-position = Месца ў лісце чакання
export-col-created = Заяўка пададзена
export-col-updated = Апошняя змена
export-col-decided = Рашэнне арганізатара
export-col-name = Імя
export-col-organisation = Арганізацыя
export-col-role = Сфера
export-col-city = Горад
export-col-phone = Тэлефон
export-status-pending = Чакае рашэння
export-status-approved = Ухвалена
export-status-waitlisted = У лісце чакання
export-status-rejected = Адхілена
export-status-cancelled = Адменена
export-yes = Так
export-no = Не

## Падказка для меню або даведкі арганізатара

import-help = Каб загрузіць праграмы, паездкі і мерапрыемствы разам, дашліце боту табліцу .xlsx або файл .yaml дакументам. Бот праверыць увесь файл і або загрузіць яго цалкам, або пералічыць памылкі. Паўторная загрузка таго ж файла абнаўляе запісы, а не стварае копіі.
